//! Building the binaries a bench measures: `cargo build` run from the
//! bench, in this workspace, with the target directory it uses (the
//! `CARGO_TARGET_DIR` of the run, else `target/`).

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A cargo profile binaries are built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The workspace's `release` profile (`strip = true`): what
    /// `cargo build --release` and `cargo lambda build --release` give.
    Release,
    /// `release` tuned for size: `opt-level = "s"`, `lto = true`,
    /// `codegen-units = 1`, `panic = "abort"` (still stripped). Defined on
    /// the command line (`--config profile.size-opt.*`), so it needs no
    /// entry in the workspace manifest; its output goes to `target/size-opt/`.
    SizeOptimised,
}

impl Profile {
    /// Every profile, the default first.
    pub const ALL: [Profile; 2] = [Profile::Release, Profile::SizeOptimised];

    /// The profile's name (and directory under the target directory).
    pub fn name(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::SizeOptimised => "size-opt",
        }
    }

    /// The arguments that select it.
    ///
    /// ```
    /// use faas_benches::build::Profile;
    /// assert_eq!(Profile::Release.args(), ["--release"]);
    /// assert!(Profile::SizeOptimised.args().contains(&"profile.size-opt.lto=true".to_owned()));
    /// ```
    pub fn args(self) -> Vec<String> {
        match self {
            Profile::Release => vec!["--release".to_owned()],
            Profile::SizeOptimised => {
                let mut args = vec!["--profile".to_owned(), "size-opt".to_owned()];
                for setting in [
                    r#"inherits="release""#,
                    r#"opt-level="s""#,
                    "lto=true",
                    "codegen-units=1",
                    r#"panic="abort""#,
                ] {
                    args.push("--config".to_owned());
                    args.push(format!("profile.size-opt.{setting}"));
                }
                args
            }
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `cargo build` of some binaries of this workspace.
///
/// ```
/// use faas_benches::build::{Build, Profile};
/// let build = Build::new(Profile::Release)
///     .package("faas-benches")
///     .bin("size-probe")
///     .features(&["aws-lambda"]);
/// assert_eq!(
///     build.to_string(),
///     "cargo build --release -p faas-benches --bin size-probe --no-default-features --features aws-lambda"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Build {
    args: Vec<String>,
}

impl Build {
    /// A build with `profile`.
    pub fn new(profile: Profile) -> Build {
        Build {
            args: profile.args(),
        }
    }

    /// Builds (binaries of) package `name`.
    pub fn package(self, name: &str) -> Build {
        self.arg("-p").arg(name)
    }

    /// Builds binary `name`.
    pub fn bin(self, name: &str) -> Build {
        self.arg("--bin").arg(name)
    }

    /// Only `features` of the selected packages, without their defaults.
    pub fn features(self, features: &[&str]) -> Build {
        let build = self.arg("--no-default-features");
        if features.is_empty() {
            build
        } else {
            build.arg("--features").arg(&features.join(","))
        }
    }

    fn arg(mut self, arg: &str) -> Build {
        self.args.push(arg.to_owned());
        self
    }

    /// Runs the build (cargo's progress and errors go to stderr) and returns
    /// the binaries it produced.
    ///
    /// # Errors
    ///
    /// When cargo cannot be started or the build fails.
    pub fn run(&self) -> io::Result<Binaries> {
        eprintln!("building: {self}");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut child = Command::new(cargo)
            .arg("build")
            .args(&self.args)
            .arg("--message-format=json-render-diagnostics")
            .current_dir(workspace_root())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut binaries = HashMap::new();
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines() {
                if let Some((name, path)) = executable(&line?) {
                    binaries.insert(name, path);
                }
            }
        }
        let status = child.wait()?;
        if !status.success() {
            return Err(io::Error::other(format!("`{self}` failed: {status}")));
        }
        Ok(Binaries(binaries))
    }
}

impl fmt::Display for Build {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cargo build {}", self.args.join(" "))
    }
}

/// The binary a line of cargo's JSON output announces: its name and path.
fn executable(line: &str) -> Option<(String, PathBuf)> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message["reason"] != "compiler-artifact" {
        return None;
    }
    let path = message["executable"].as_str()?;
    let name = message["target"]["name"].as_str()?;
    Some((name.to_owned(), PathBuf::from(path)))
}

/// The binaries a [`Build`] produced, by name.
#[derive(Debug, Clone, Default)]
pub struct Binaries(HashMap<String, PathBuf>);

impl Binaries {
    /// The path of binary `name`.
    ///
    /// # Panics
    ///
    /// If the build did not produce it.
    pub fn path(&self, name: &str) -> &Path {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("the build produced no binary `{name}`"))
    }

    /// The size in bytes of binary `name`, as it is on disk now.
    ///
    /// # Panics
    ///
    /// If the build did not produce it, or it cannot be read.
    pub fn size(&self, name: &str) -> u64 {
        let path = self.path(name);
        std::fs::metadata(path)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
            .len()
    }
}

/// The workspace's root directory.
pub fn workspace_root() -> &'static Path {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_are_read_from_cargo_messages() {
        let line = r#"{"reason":"compiler-artifact","target":{"name":"lambda-echo","kind":["bin"]},"executable":"/t/release/lambda-echo"}"#;
        assert_eq!(
            executable(line),
            Some((
                "lambda-echo".to_owned(),
                PathBuf::from("/t/release/lambda-echo")
            ))
        );
        let library = r#"{"reason":"compiler-artifact","target":{"name":"faas","kind":["lib"]},"executable":null}"#;
        assert_eq!(executable(library), None);
        assert_eq!(
            executable(r#"{"reason":"build-finished","success":true}"#),
            None
        );
        assert_eq!(executable("Compiling faas"), None);
    }
}
