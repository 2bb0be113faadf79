//! `cargo run -p order-webhook` serves the webhook on the local development
//! server (`127.0.0.1:$PORT`, 8080 by default); on a platform, the same
//! binary speaks that platform's protocol.

use order_webhook::create_order;

faas::main!(create_order);
