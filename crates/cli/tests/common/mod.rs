//! Helpers shared by the binary's test files: the built binary, free ports, a served node.
#![allow(dead_code)] // each test file uses a part
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_phonelogin");

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve(dir: &Path, args: &[&str], url: &str) -> Server {
    let child = Command::new(BIN)
        .current_dir(dir)
        .arg("serve")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !reqwest::blocking::get(format!("{url}/readyz")).is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "server at {url} did not become ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}
