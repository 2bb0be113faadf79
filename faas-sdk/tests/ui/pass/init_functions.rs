//! `#[faas::init]` with and without the configuration.
use faas::prelude::*;

struct App {
    table: String,
}

#[faas::init]
async fn from_config(cfg: &Config) -> Result<App, ConfigError> {
    Ok(App {
        table: cfg.require("TABLE")?.to_owned(),
    })
}

#[faas::init]
async fn fixed() -> Result<App, std::io::Error> {
    Ok(App {
        table: "orders".to_owned(),
    })
}

#[faas::init]
async fn boxed(config: &faas::Config) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    Ok(config.parse_or("LIMIT", 10)?)
}

fn assert_init<I: faas::Init<State = S>, S>(_: I) {}

fn main() {
    assert_init::<_, App>(from_config {});
    assert_init::<_, App>(fixed {});
    assert_init::<_, u32>(boxed {});
    drop(
        App {
            table: String::new(),
        }
        .table,
    );
}
