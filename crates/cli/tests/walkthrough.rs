//! The README's curl walk-through, run as the script `scripts/walkthrough.sh` against a fresh
//! `serve --demo`, twice (it must be safe to run again), and the README's block is the script's.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{BIN, serve};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The lines between `# --- walk-through ---` and `# --- end ---`.
fn block(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| l.trim() != "# --- walk-through ---")
        .skip(1)
        .take_while(|l| l.trim() != "# --- end ---")
        .collect()
}

#[test]
fn the_readme_walkthrough_runs_against_a_demo_server_and_runs_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--demo"]);
    let url = &server.url;
    for run in 1..=2 {
        let out = Command::new("bash")
            .arg(repo().join("scripts/walkthrough.sh"))
            .current_dir(dir.path())
            .env("PL", url)
            .env("PHONELOGIN", BIN)
            .env_remove("PHONELOGIN_DATABASE_URL")
            .env_remove("PHONELOGIN_SECRET_FILE")
            .output()
            .expect("bash runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "run {run} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.ends_with("walk-through complete\n"), "run {run}:\n{stdout}");
    }
}

#[test]
fn the_readme_shows_the_script_word_for_word() {
    let script = std::fs::read_to_string(repo().join("scripts/walkthrough.sh")).unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let ours = block(&script);
    assert!(ours.len() > 20, "markers in scripts/walkthrough.sh");
    assert_eq!(block(&readme), ours, "README.md's walk-through differs from scripts/walkthrough.sh");
}
