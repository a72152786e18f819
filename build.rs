//! Build script: puts the git commit into `catchment --version`.
//!
//! Sets `CATCHMENT_VERSION` to e.g. `0.1.0 (commit 7316692)`, with
//! `-dirty` after the hash when the work tree had uncommitted changes, or
//! `0.1.0 (commit unknown)` when git or the repository is absent (a build
//! from a crates.io tarball). The script re-runs when HEAD moves (a
//! checkout, or a commit on the current branch); the dirty mark is as of
//! that moment.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env_or("CARGO_PKG_VERSION", "0.0.0");
    let dir = env_or("CARGO_MANIFEST_DIR", ".");
    let commit = commit(Path::new(&dir)).unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=CATCHMENT_VERSION={version} (commit {commit})");
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The short hash of HEAD, with `-dirty` for a changed work tree; `None`
/// when the package is not the top of a git work tree (so that a package
/// unpacked inside some other repository does not take its hash).
fn commit(dir: &Path) -> Option<String> {
    // `.git` is a folder in a clone and a file in a linked work tree.
    if !dir.join(".git").exists() {
        return None;
    }
    for file in ["HEAD", "packed-refs"] {
        watch(dir, &git(dir, &["rev-parse", "--git-path", file])?);
    }
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", &branch]) {
            watch(dir, &path);
        }
    }
    let hash = git(dir, &["rev-parse", "--short", "HEAD"])?;
    let dirty = git(dir, &["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{hash}-dirty") } else { hash })
}

/// Asks cargo to re-run this script when a git file changes; a missing
/// file is not watched (cargo would otherwise re-run on every build).
fn watch(dir: &Path, path: &str) {
    let path = dir.join(path);
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// Runs git in `dir` and returns its trimmed standard output, or `None`
/// when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_string())
}
