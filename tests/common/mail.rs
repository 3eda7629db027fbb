//! Test tools for mail: a real SMTP server (Python's aiosmtpd) and Python's email
//! package to read what arrived.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// An SMTP server writing each message it accepts into a folder.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

const SERVER: &str = r#"
import os, sys, time
from aiosmtpd.controller import Controller
folder = sys.argv[2]
class Save:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(folder, "%05d.eml" % len(os.listdir(folder)))
        with open(name, "wb") as f:
            f.write(envelope.original_content)
        return "250 OK"
controller = Controller(Save(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
while True:
    time.sleep(1)
"#;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts a Python server script on `port` and waits for its "ready" line.
pub fn start_python(script: &str, port: u16, extra: &[&str]) -> Child {
    let mut child = Command::new("python3")
        .args(["-c", script, &port.to_string()])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd (pip install aiosmtpd)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "the test server did not start");
    child
}

impl SmtpServer {
    pub fn start(port: u16, dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let child = start_python(SERVER, port, &[super::path(dir)]);
        Self {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// The messages received so far, in order.
    pub fn received(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a Python script with `input` on its standard input; returns its output.
pub fn python(script: &str, input: &str) -> String {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python failed (pip install icalendar aiosmtpd):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A message's date on the first line, its subject on the second, then its
/// plain-text part, decoded by Python's email package.
pub fn date_subject_text(eml: &str) -> String {
    python(
        "import email,sys\nfrom email import policy\nm=email.message_from_string(sys.stdin.read(),policy=policy.default)\nprint(m['date'].datetime.date())\nprint(m['subject'])\nprint(m.get_body(('plain',)).get_content())",
        eml,
    )
}
