struct App;

#[faas::init]
async fn init() -> App {
    App
}

fn main() {}
