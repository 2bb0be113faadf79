//! A scheduled event.
use faas::prelude::*;

#[faas::handler]
async fn nightly(tick: ScheduleEvent, _ctx: &Context) -> Result<(), FunctionError> {
    drop(tick);
    Ok(())
}

fn main() {
    faas::Function::builder(nightly {}).build().unwrap();
}
