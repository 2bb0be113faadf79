//! Compile-time behaviour of `#[faas::handler]`, `#[faas::init]` and
//! `faas::main!`: every supported shape compiles (`ui/pass`), every misuse
//! is an error with a span and a hint (`ui/fail`, checked against the
//! reviewed `.stderr` files; regenerate with `TRYBUILD=overwrite`).

#[test]
fn ui() {
    // trybuild compiles the cases in a crate of its own under `target/`;
    // this makes `schema = "tests/ui/..."` paths resolve against faas-sdk,
    // as they would in a real crate.
    // SAFETY: the only test of this binary, run before anything reads the environment.
    unsafe { std::env::set_var("FAAS_MANIFEST_DIR_OVERRIDE", env!("CARGO_MANIFEST_DIR")) };
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
