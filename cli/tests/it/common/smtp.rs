//! Real SMTP servers for the notifier's tests: aiosmtpd (PyPI) started with
//! `testing/servers/smtp/start.sh`, or a flaky variant (`tests/fixtures/flaky_smtp.py`)
//! that answers a given code first; both store what they accept in a Maildir.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// One SMTP server on its own port, writing into its own Maildir.
pub struct Smtp {
    /// `smtp://127.0.0.1:PORT`.
    pub url: String,
    maildir: PathBuf,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The repository's SMTP test-server launcher.
fn start_sh() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testing/servers/smtp/start.sh")
}

/// Runs `start.sh` with `args` (it makes its virtualenv on first use,
/// under a lock); what it printed.
fn run_start_sh(args: &[String]) -> String {
    let out = Command::new("bash")
        .arg(start_sh())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "starting aiosmtpd: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Smtp {
    /// aiosmtpd accepting everything.
    pub fn start() -> Smtp {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("Maildir");
        let port = free_port();
        run_start_sh(&[port.to_string(), maildir.display().to_string()]);
        Smtp {
            url: format!("smtp://127.0.0.1:{port}"),
            maildir,
            child: None,
            _dir: dir,
        }
    }

    /// A server answering the first `fails` messages with `code`, then
    /// accepting. Runs with the python of `start.sh`'s virtualenv.
    pub fn flaky(code: u16, fails: u32) -> Smtp {
        let python = PathBuf::from(run_start_sh(&["--python".to_owned()]).trim());
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("Maildir");
        let port = free_port();
        let mut child = Command::new(python)
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flaky_smtp.py"))
            .args([
                port.to_string(),
                maildir.display().to_string(),
                code.to_string(),
                fails.to_string(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line.trim(), "ready", "flaky SMTP server did not start");
        Smtp {
            url: format!("smtp://127.0.0.1:{port}"),
            maildir,
            child: Some(child),
            _dir: dir,
        }
    }

    /// Every message accepted so far, raw.
    pub fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}
