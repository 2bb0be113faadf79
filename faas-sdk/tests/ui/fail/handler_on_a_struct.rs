#[faas::handler]
struct Handler;

fn main() {}
