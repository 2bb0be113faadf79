//! External programs that end-to-end tests drive (a Lambda Runtime API
//! emulator, a CloudEvents client, a Redis server, …).
//!
//! A test asks for a program with [`require`]. Outside CI a missing program
//! skips the test with a note saying how to install it; with `CI=true` it
//! fails the test, so a CI run can never pass by skipping. `scripts/test.sh`
//! installs every program the suite uses.
//!
//! ```
//! // `sh` is on every machine this runs on.
//! let sh = faas_testkit::tools::require("sh", "apt-get install dash").expect("sh is installed");
//! assert!(sh.ends_with("sh"));
//! ```

use std::net::TcpListener;
use std::path::PathBuf;

/// Finds `program` on the `PATH`.
///
/// `None` (after printing a skip note that quotes `install`) when it is
/// missing outside CI.
///
/// # Panics
///
/// When it is missing and `CI=true`: a CI run must not skip what it claims to test.
pub fn require(program: &str, install: &str) -> Option<PathBuf> {
    if let Some(path) = find(program) {
        return Some(path);
    }
    if in_ci() {
        panic!("`{program}` is required in CI but is not installed; install it with: {install}");
    }
    eprintln!(
        "skipping: `{program}` is not installed (install it with: {install}; CI=true makes this a failure)"
    );
    None
}

/// Whether this run is CI (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true"))
}

/// The full path of `program` on the `PATH`.
pub fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &std::path::Path) -> bool {
    path.is_file()
}

/// A loopback port that was free a moment ago, for a server a test starts.
///
/// # Panics
///
/// If the machine has no free loopback port.
pub fn free_port() -> u16 {
    match TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()) {
        Ok(addr) => addr.port(),
        Err(err) => panic!("no free loopback port: {err}"),
    }
}
