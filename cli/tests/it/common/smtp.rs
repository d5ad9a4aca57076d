//! Real SMTP servers for the notifier's tests: aiosmtpd (PyPI) started with
//! `shared/smtp/start.sh`, or a flaky variant (`tests/fixtures/flaky_smtp.py`)
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

fn shared_dir() -> PathBuf {
    std::env::var_os("KILN_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
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
        // start.sh makes its virtualenv on first use: not twice at once.
        static FIRST_USE: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one_at_a_time = FIRST_USE.lock().unwrap_or_else(|p| p.into_inner());
        let out = Command::new("bash")
            .arg(shared_dir().join("smtp/start.sh"))
            .arg(port.to_string())
            .arg(&maildir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "starting aiosmtpd: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Smtp {
            url: format!("smtp://127.0.0.1:{port}"),
            maildir,
            child: None,
            _dir: dir,
        }
    }

    /// A server answering the first `fails` messages with `code`, then
    /// accepting. Uses the virtualenv `start.sh` made.
    pub fn flaky(code: u16, fails: u32) -> Smtp {
        drop(Smtp::start()); // makes sure the virtualenv with aiosmtpd exists
        let venv = std::env::var_os("SMTP_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/smtp-test-venv")
            });
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("Maildir");
        let port = free_port();
        let mut child = Command::new(venv.join("bin/python"))
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
