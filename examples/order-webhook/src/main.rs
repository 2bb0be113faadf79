//! `cargo run -p order-webhook` serves the webhook on the local development
//! server (`127.0.0.1:$PORT`, 8080 by default); on a platform, the same
//! binary speaks that platform's protocol. With `ORDERS_API_KEY` set, only
//! requests carrying that key in `x-api-key` get through.

use order_webhook::{api_key_check, create_order};

faas::main!(
    create_order,
    layers = [api_key_check(&faas::Config::from_env())]
);
