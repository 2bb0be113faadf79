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

# Real peers the end-to-end tests start themselves, pinned.
CARGO_LAMBDA_VERSION=1.9.2    # the Lambda Runtime API emulator (its PyPI wheel ships the binary)
CLOUDEVENTS_VERSION=1.13.0    # the CloudEvents Python SDK, as a real client
MOTO_VERSION=5.2.1            # moto_server, a local DynamoDB for the DynamoDB idempotency store

pip_install() {
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "$@"
}
if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 is missing: install it (apt-get install -y python3 python3-pip), then run this again" >&2
    exit 1
fi
if ! command -v cargo-lambda >/dev/null 2>&1; then
    step "installing cargo-lambda $CARGO_LAMBDA_VERSION (Lambda Runtime API emulator)"
    # --no-deps: its zig dependency (400 MB) is only needed by `cargo lambda build`.
    pip_install --no-deps "cargo-lambda==$CARGO_LAMBDA_VERSION"
fi
if ! python3 -c "import cloudevents, sys; sys.exit(cloudevents.__version__ != '$CLOUDEVENTS_VERSION')" 2>/dev/null; then
    step "installing the cloudevents Python SDK $CLOUDEVENTS_VERSION"
    pip_install "cloudevents==$CLOUDEVENTS_VERSION"
fi
if ! command -v moto_server >/dev/null 2>&1; then
    step "installing moto[server] $MOTO_VERSION (a local DynamoDB)"
    pip_install "moto[server]==$MOTO_VERSION"
fi
if ! command -v redis-server >/dev/null 2>&1; then
    step "installing redis-server (a real Redis for the Redis idempotency store)"
    apt_redis() { "$@" apt-get update -qq && "$@" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }
    if [ "$(id -u)" = 0 ]; then
        apt_redis
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        apt_redis sudo -n
    else
        echo "redis-server is missing and this is not root (nor passwordless sudo): install it with" >&2
        echo "  sudo apt-get update && sudo apt-get install -y redis-server" >&2
        if [ "${CI:-}" = "true" ]; then
            exit 1
        fi
        echo "(the Redis tests skip without it; with CI=true they fail)" >&2
    fi
fi

# Features the workspace's own crates do not turn on, so that their tests
# and docs are built and run too.
FEATURES=faas-sdk/tower

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked --features "$FEATURES" -- -D warnings

# Every feature set a user can pick must build without a warning: no
# default features, each feature alone, and the defaults.
for features in none aws-lambda http azure validation redis dynamodb tower default; do
    step "cargo clippy -p faas-sdk, features: $features"
    case "$features" in
        default) set -- ;;
        none) set -- --no-default-features ;;
        *) set -- --no-default-features --features "$features" ;;
    esac
    cargo clippy -p faas-sdk --lib --locked "$@" -- -D warnings
done

# trybuild keeps every build of its UI test cases (each 100-250 MB) under
# the target directory, one more set whenever a dependency changes; only
# the current one matters. Its dependency builds are reused unless the
# whole directory has grown past a few gigabytes.
trybuild_dir="${CARGO_TARGET_DIR:-target}/tests/trybuild"
if [ -d "$trybuild_dir" ]; then
    find "$trybuild_dir" -name 'trybuild[0-9][0-9][0-9]-*' -delete
    if [ "$(du -sk "$trybuild_dir" | cut -f1)" -gt $((4 * 1024 * 1024)) ]; then
        rm -rf "$trybuild_dir"
    fi
fi

step "cargo test"
cargo test --workspace --all-targets --locked --features "$FEATURES"

step "doc tests"
cargo test --workspace --doc --locked --features "$FEATURES"

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --features "$FEATURES"

step "all checks passed in $(( $(date +%s) - start )) s"
