//! Function binaries and servers started by a test, stopped when it ends.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use std::process::Command;
//! use std::time::Duration;
//! use faas_testkit::process::Spawned;
//!
//! let mut sleeper = Spawned::start(Command::new("sleep").arg("30")).unwrap();
//! sleeper.terminate().unwrap();
//! let status = sleeper.wait(Duration::from_secs(10)).await.unwrap();
//! assert!(!status.success()); // `sleep` does not catch SIGTERM
//! # });
//! ```

use std::ffi::OsString;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A child process, killed when dropped (even by a failed assertion), whose
/// stderr (and, if asked, stdout) is collected for the test to read.
///
/// It can be [signalled](Self::signal), [killed](Self::kill) and
/// [restarted](Self::restart); what every run writes goes to the same
/// [`output`](Self::output).
pub struct Spawned {
    /// The running (or last) process; behind a lock so that `&self`
    /// methods can check whether it still runs before signalling it.
    child: Mutex<Child>,
    /// How to start it again.
    recipe: Recipe,
    /// Whether stdout is collected with stderr.
    with_stdout: bool,
    /// What every run wrote, in arrival order.
    output: Arc<Mutex<Vec<u8>>>,
}

/// What [`Spawned::restart`] replays of the command it was started with.
struct Recipe {
    program: OsString,
    args: Vec<OsString>,
    /// `None`: removed with `env_remove`.
    envs: Vec<(OsString, Option<OsString>)>,
    current_dir: Option<PathBuf>,
}

impl Recipe {
    fn of(command: &Command) -> Recipe {
        Recipe {
            program: command.get_program().to_owned(),
            args: command.get_args().map(ToOwned::to_owned).collect(),
            envs: command
                .get_envs()
                .map(|(key, value)| (key.to_owned(), value.map(ToOwned::to_owned)))
                .collect(),
            current_dir: command.get_current_dir().map(ToOwned::to_owned),
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        for (key, value) in &self.envs {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        if let Some(dir) = &self.current_dir {
            command.current_dir(dir);
        }
        command
    }
}

impl Spawned {
    /// Starts `command` with stdin closed, stdout discarded and stderr collected.
    ///
    /// ```
    /// use std::process::Command;
    /// use faas_testkit::process::Spawned;
    ///
    /// let sleeper = Spawned::start(Command::new("sleep").arg("30")).unwrap();
    /// assert!(sleeper.is_running());
    /// drop(sleeper); // kills it
    /// ```
    ///
    /// # Errors
    ///
    /// When the program cannot be started (it does not exist, …).
    pub fn start(command: &mut Command) -> io::Result<Spawned> {
        Spawned::launch(command, false)
    }

    /// Starts `command` like [`start`](Self::start), but collects its
    /// stdout too, with its stderr, into [`output`](Self::output): for
    /// servers that log to stdout (`redis-server`, …).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::process::Command;
    /// use std::time::Duration;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut shell = Spawned::start_with_stdout(
    ///     Command::new("sh").args(["-c", "echo to stdout; echo to stderr >&2"]),
    /// )
    /// .unwrap();
    /// shell.wait(Duration::from_secs(10)).await.unwrap();
    /// assert!(shell.output().contains("to stdout"));
    /// assert!(shell.output().contains("to stderr"));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// When the program cannot be started.
    pub fn start_with_stdout(command: &mut Command) -> io::Result<Spawned> {
        Spawned::launch(command, true)
    }

    fn launch(command: &mut Command, with_stdout: bool) -> io::Result<Spawned> {
        let output = Arc::new(Mutex::new(Vec::new()));
        let child = spawn(command, with_stdout, &output)?;
        Ok(Spawned {
            child: Mutex::new(child),
            recipe: Recipe::of(command),
            with_stdout,
            output,
        })
    }

    /// Starts `command` with `PORT` set to a free loopback port, and waits
    /// (up to `timeout`) until it listens there: a function binary on the
    /// local or HTTP platform. The error carries what it wrote to stderr.
    ///
    /// ```no_run
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::process::Command;
    /// use std::time::Duration;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut command = Command::new("target/debug/order-webhook");
    /// command.env("FAAS_PLATFORM", "local");
    /// let (function, addr) = Spawned::serving(&mut command, Duration::from_secs(20)).await.unwrap();
    /// # let _ = (function, addr);
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// When it cannot be started, or does not listen in time.
    pub async fn serving(
        command: &mut Command,
        timeout: Duration,
    ) -> io::Result<(Spawned, SocketAddr)> {
        let port = crate::tools::free_port();
        let spawned = Spawned::start(command.env("PORT", port.to_string()))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        match wait_for_port(addr, timeout).await {
            Ok(()) => Ok((spawned, addr)),
            Err(err) => Err(io::Error::new(
                err.kind(),
                format!("{err}\n{}", spawned.stderr()),
            )),
        }
    }

    /// The process id (of the latest run, after a [restart](Self::restart)).
    ///
    /// ```
    /// use std::process::Command;
    /// use faas_testkit::process::Spawned;
    ///
    /// let sleeper = Spawned::start(Command::new("sleep").arg("30")).unwrap();
    /// assert_ne!(sleeper.id(), std::process::id());
    /// ```
    pub fn id(&self) -> u32 {
        self.child().id()
    }

    /// What the process wrote to stderr so far, across
    /// [restarts](Self::restart): the same text as [`output`](Self::output),
    /// which also holds stdout when it was started by
    /// [`start_with_stdout`](Self::start_with_stdout).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::process::Command;
    /// use std::time::Duration;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut shell = Spawned::start(Command::new("sh").args(["-c", "echo oops >&2"])).unwrap();
    /// shell.wait(Duration::from_secs(10)).await.unwrap();
    /// assert_eq!(shell.stderr(), "oops\n");
    /// # });
    /// ```
    pub fn stderr(&self) -> String {
        self.output()
    }

    /// Everything collected so far, across [restarts](Self::restart): what
    /// every run wrote to stderr, and to stdout when it was started by
    /// [`start_with_stdout`](Self::start_with_stdout), in the order it
    /// arrived.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::process::Command;
    /// use std::time::Duration;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut shell = Spawned::start_with_stdout(Command::new("sh").args(["-c", "echo run"])).unwrap();
    /// shell.wait(Duration::from_secs(10)).await.unwrap();
    /// shell.restart().unwrap();
    /// shell.wait(Duration::from_secs(10)).await.unwrap();
    /// assert_eq!(shell.output(), "run\nrun\n");
    /// # });
    /// ```
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// Whether the process is running (a stopped one included): it has not
    /// exited, or been [killed](Self::kill).
    ///
    /// ```
    /// use std::process::Command;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut sleeper = Spawned::start(Command::new("sleep").arg("30")).unwrap();
    /// assert!(sleeper.is_running());
    /// sleeper.kill().unwrap();
    /// assert!(!sleeper.is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        matches!(self.child().try_wait(), Ok(None))
    }

    /// Sends the signal `name` (`"STOP"`, `"CONT"`, `"HUP"`, `"SIGUSR1"`,
    /// `"9"`, … as `kill -s` takes it) to the running process.
    ///
    /// ```
    /// use std::process::Command;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut sleeper = Spawned::start(Command::new("sleep").arg("30")).unwrap();
    /// sleeper.signal("STOP").unwrap(); // frozen, but still running
    /// assert!(sleeper.is_running());
    /// sleeper.signal("CONT").unwrap();
    /// assert!(sleeper.signal("NO-SUCH-SIGNAL").is_err());
    ///
    /// sleeper.kill().unwrap();
    /// assert!(sleeper.signal("CONT").is_err(), "it is not running");
    /// ```
    ///
    /// # Errors
    ///
    /// When the process is not running (it exited, or was killed), or
    /// `kill` fails (an unknown signal name, …).
    pub fn signal(&self, name: &str) -> io::Result<()> {
        let mut child = self.child();
        // The process cannot be reaped (and its id reused) while the lock
        // is held: the signal reaches this process or none.
        if let Some(status) = child.try_wait()? {
            return Err(io::Error::other(format!(
                "process {} is not running (it ended with {status}): {name} not sent",
                child.id()
            )));
        }
        let pid = child.id().to_string();
        let output = Command::new("kill")
            .args(["-s", name, "--", &pid])
            .stdin(Stdio::null())
            .output()?;
        if output.status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "kill -s {name} {pid} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )))
        }
    }

    /// Sends SIGTERM, what platforms send to stop a function: the same as
    /// [`signal("TERM")`](Self::signal).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::process::Command;
    /// use std::time::Duration;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut sleeper = Spawned::start(Command::new("sleep").arg("30")).unwrap();
    /// sleeper.terminate().unwrap();
    /// sleeper.wait(Duration::from_secs(10)).await.unwrap();
    /// assert!(sleeper.terminate().is_err(), "it is not running");
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`signal`](Self::signal).
    pub fn terminate(&self) -> io::Result<()> {
        self.signal("TERM")
    }

    /// Kills the process at once (SIGKILL, which a stopped process does
    /// not escape either) and waits for it to exit. Does nothing if it is
    /// not running.
    ///
    /// ```
    /// use std::process::Command;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut sleeper = Spawned::start(Command::new("sleep").arg("30")).unwrap();
    /// sleeper.kill().unwrap();
    /// assert!(!sleeper.is_running());
    /// sleeper.kill().unwrap(); // already gone: nothing to do
    /// ```
    ///
    /// # Errors
    ///
    /// When the signal cannot be sent or the process cannot be waited for.
    pub fn kill(&mut self) -> io::Result<()> {
        let child = self.child.get_mut().unwrap_or_else(PoisonError::into_inner);
        if matches!(child.try_wait(), Ok(Some(_))) {
            return Ok(());
        }
        child.kill()?;
        child.wait().map(drop)
    }

    /// Starts the command again, [killing](Self::kill) the process first
    /// if it runs: the same program, arguments, environment variables set
    /// or removed, and current directory (what `Command::get_program`,
    /// `get_args`, `get_envs` and `get_current_dir` report; an `env_clear`
    /// is not replayed). The new run's output is appended to
    /// [`output`](Self::output); [`id`](Self::id) becomes its id.
    ///
    /// ```
    /// use std::process::Command;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut sleeper = Spawned::start(Command::new("sleep").arg("30")).unwrap();
    /// let first = sleeper.id();
    /// sleeper.restart().unwrap();
    /// assert!(sleeper.is_running());
    /// assert_ne!(sleeper.id(), first);
    /// ```
    ///
    /// # Errors
    ///
    /// When the old process cannot be killed or the new one cannot be
    /// started; the old one stays the one [`id`](Self::id) names.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill()?;
        let child = spawn(&mut self.recipe.command(), self.with_stdout, &self.output)?;
        *self.child.get_mut().unwrap_or_else(PoisonError::into_inner) = child;
        Ok(())
    }

    /// Waits for the process to exit, for at most `timeout`.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::process::Command;
    /// use std::time::Duration;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut shell = Spawned::start(Command::new("sh").args(["-c", "exit 3"])).unwrap();
    /// let status = shell.wait(Duration::from_secs(10)).await.unwrap();
    /// assert_eq!(status.code(), Some(3));
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// When it still runs after `timeout` (`ErrorKind::TimedOut`), or
    /// cannot be waited for.
    pub async fn wait(&mut self, timeout: Duration) -> io::Result<ExitStatus> {
        let started = Instant::now();
        loop {
            let exited = self
                .child
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .try_wait()?;
            if let Some(status) = exited {
                // Let the reader thread drain what the process wrote last.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Ok(status);
            }
            if started.elapsed() > timeout {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("still running after {timeout:?}"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn child(&self) -> MutexGuard<'_, Child> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// Spawns `command` with stdin closed and stderr (and stdout if
/// `with_stdout`, else discarded) appended to `output`.
fn spawn(
    command: &mut Command,
    with_stdout: bool,
    output: &Arc<Mutex<Vec<u8>>>,
) -> io::Result<Child> {
    let stdout = if with_stdout {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(pipe) = child.stdout.take() {
        collect_in_background(pipe, Arc::clone(output));
    }
    if let Some(pipe) = child.stderr.take() {
        collect_in_background(pipe, Arc::clone(output));
    }
    Ok(child)
}

/// Appends what `pipe` yields to `sink`, on a thread of its own, until the
/// pipe closes.
fn collect_in_background(mut pipe: impl io::Read + Send + 'static, sink: Arc<Mutex<Vec<u8>>>) {
    std::thread::spawn(move || {
        let mut chunk = [0_u8; 4096];
        while let Ok(read) = pipe.read(&mut chunk) {
            if read == 0 {
                break;
            }
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(&chunk[..read]);
        }
    });
}

/// Waits until something accepts connections on `addr`, for at most `timeout`.
pub async fn wait_for_port(addr: SocketAddr, timeout: Duration) -> io::Result<()> {
    let started = Instant::now();
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(_) => return Ok(()),
            Err(err) if started.elapsed() > timeout => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("nothing listens on {addr} after {timeout:?}: {err}"),
                ));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// The first line of `logs` (a function's stderr with `FAAS_LOG_FORMAT=json`)
/// that is a JSON log event with message `message`.
///
/// ```
/// let logs = "booting\n{\"fields\":{\"message\":\"worker stopping\",\"jobs_done\":2}}\n";
/// let line = faas_testkit::process::log_line(logs, "worker stopping").unwrap();
/// assert_eq!(line["fields"]["jobs_done"], 2);
/// assert!(faas_testkit::process::log_line(logs, "booting").is_none());
/// ```
pub fn log_line(logs: &str, message: &str) -> Option<serde_json::Value> {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["fields"]["message"] == message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(10);

    fn sleeper() -> Spawned {
        Spawned::start(Command::new("sleep").arg("30")).unwrap()
    }

    #[tokio::test]
    async fn signals_reach_the_running_process_only() {
        let mut process = sleeper();
        process.signal("STOP").unwrap();
        assert!(process.is_running(), "a stopped process still runs");
        process.signal("SIGCONT").unwrap();
        let err = process.signal("NOPE").unwrap_err();
        assert!(err.to_string().contains("kill -s NOPE"), "{err}");

        process.signal("TERM").unwrap();
        let status = process.wait(WAIT).await.unwrap();
        assert!(!status.success());
        assert!(!process.is_running());
        let err = process.terminate().unwrap_err();
        assert!(err.to_string().contains("not running"), "{err}");
        process.kill().unwrap();
    }

    #[test]
    fn kill_kills_a_stopped_process_and_then_does_nothing() {
        let mut process = sleeper();
        process.signal("STOP").unwrap();
        process.kill().unwrap();
        assert!(!process.is_running());
        process.kill().unwrap();
        assert!(process.signal("CONT").is_err());
    }

    #[tokio::test]
    async fn a_restart_replays_the_command_and_keeps_the_output() {
        let mut command = Command::new("sh");
        command
            .args([
                "-c",
                "echo \"$0 ${GREETING-unset} ${HOME-unset} $(pwd)\" >&2",
            ])
            .env("GREETING", "hello")
            .env_remove("HOME")
            .current_dir("/");
        let mut process = Spawned::start(&mut command).unwrap();
        process.wait(WAIT).await.unwrap();
        process.restart().unwrap();
        process.wait(WAIT).await.unwrap();
        assert_eq!(process.stderr(), "sh hello unset /\n".repeat(2));
        assert_eq!(process.output(), process.stderr());
    }

    #[test]
    fn a_restart_kills_the_running_process_first() {
        let mut process = sleeper();
        let first_pid = process.id();
        process.restart().unwrap();
        assert!(process.is_running());
        assert_ne!(process.id(), first_pid);
        // The first process is gone: `kill -0` no longer finds it.
        let probe = Command::new("kill")
            .args(["-0", &first_pid.to_string()])
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(!probe.success());
    }

    #[tokio::test]
    async fn stdout_is_collected_only_when_asked() {
        let script = ["-c", "echo out; echo err >&2"];
        let mut quiet = Spawned::start(Command::new("sh").args(script)).unwrap();
        let mut chatty = Spawned::start_with_stdout(Command::new("sh").args(script)).unwrap();
        quiet.wait(WAIT).await.unwrap();
        chatty.wait(WAIT).await.unwrap();
        assert_eq!(quiet.output(), "err\n");
        let mut lines: Vec<_> = chatty.output().lines().map(str::to_owned).collect();
        lines.sort();
        assert_eq!(lines, ["err", "out"]);

        chatty.restart().unwrap();
        chatty.wait(WAIT).await.unwrap();
        assert_eq!(chatty.output().lines().count(), 4, "{}", chatty.output());
    }

    #[test]
    fn a_missing_program_is_an_error() {
        assert!(Spawned::start(&mut Command::new("/no/such/program")).is_err());
    }
}
