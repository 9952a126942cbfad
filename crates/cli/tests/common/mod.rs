//! Helpers shared by the binary's test files: the built binary and a served node.
#![allow(dead_code)] // each test file uses a part
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub const BIN: &str = env!("CARGO_BIN_EXE_phonelogin");

/// A running `phonelogin serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    /// Its URL, from the first line it prints (`phonelogin listening on URL`).
    pub url: String,
    /// Everything it has written to stdout and stderr so far.
    output: Arc<Mutex<Vec<u8>>>,
    /// The threads copying its stdout and stderr there.
    readers: Vec<JoinHandle<()>>,
}

impl Server {
    /// Starts `phonelogin serve ARGS` in `dir` and returns once it listens. Give it
    /// `--listen 127.0.0.1:0` (or a config file saying so): the server binds a port the system
    /// picks and keeps it, so no other program can take it between a test's choice and the bind.
    pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BIN)
            .current_dir(dir)
            .env_remove("PHONELOGIN_DATABASE_URL")
            .envs(env.iter().copied())
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let stderr = collect(child.stderr.take().unwrap(), output.clone());
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        // The server prints its URL once it listens and is ready; log lines may come first.
        let url = loop {
            let mut line = String::new();
            let n = stdout.read_line(&mut line).unwrap();
            output.lock().unwrap().extend_from_slice(line.as_bytes());
            if n == 0 {
                let _ = child.wait();
                panic!(
                    "phonelogin serve {args:?} stopped before listening:\n{}",
                    String::from_utf8_lossy(&output.lock().unwrap())
                );
            }
            if let Some(url) = line.trim().strip_prefix("phonelogin listening on ") {
                break url.to_owned();
            }
        };
        let readers = vec![stderr, collect(stdout, output.clone())];
        Self { child, url, output, readers }
    }

    /// What the server has written so far (stdout and stderr, as they came).
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Stops the server (SIGKILL) and waits for it and for the last of its output.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Copies a pipe into `into` on a thread of its own, so that the server never blocks on it.
fn collect(mut from: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    })
}

/// `phonelogin serve ARGS` in `dir`, listening on a port of its own.
pub fn serve(dir: &Path, args: &[&str]) -> Server {
    let mut all = vec!["--listen", "127.0.0.1:0"];
    all.extend_from_slice(args);
    Server::start(dir, &all, &[])
}
