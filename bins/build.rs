//! Builds `quickfix-peer`, the QuickFIX C++ program behind `spinfix bench`'s quickfix baseline.
//!
//! The peer is optional: where pkg-config does not find QuickFIX, or the compiler fails, the
//! build carries on without it and the bench skips that baseline with a notice. This script
//! therefore never fails the build; it only reports through `cargo::warning`.

use std::env;
use std::path::PathBuf;
use std::process::Command;

const SOURCE: &str = "quickfix-peer/peer.cpp";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(spinfix_quickfix_peer)");
    println!("cargo::rerun-if-changed={SOURCE}");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=SPINFIX_NO_QUICKFIX_PEER");
    println!("cargo::rerun-if-env-changed=PKG_CONFIG_PATH");
    if env::var_os("SPINFIX_NO_QUICKFIX_PEER").is_some() {
        println!(
            "cargo::warning=SPINFIX_NO_QUICKFIX_PEER is set: the quickfix baseline is not built"
        );
        return;
    }
    match build_peer() {
        Ok(path) => {
            println!("cargo::rustc-cfg=spinfix_quickfix_peer");
            println!("cargo::rustc-env=SPINFIX_QUICKFIX_PEER={}", path.display());
        }
        Err(why) => {
            println!("cargo::warning=quickfix baseline skipped: {why}");
        }
    }
}

fn build_peer() -> Result<PathBuf, String> {
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "quickfix"])
        .output()
        .map_err(|e| format!("pkg-config could not run: {e}"))?;
    if !flags.status.success() {
        return Err("pkg-config does not find quickfix (install libquickfix-dev)".into());
    }
    let flags = String::from_utf8_lossy(&flags.stdout).into_owned();
    let out_dir = env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
    let exe = PathBuf::from(out_dir).join("quickfix-peer");
    let cxx = env::var("CXX").unwrap_or_else(|_| "g++".to_string());
    // gnu++14: QuickFIX 1.15's headers use dynamic exception specifications, gone in C++17.
    let output = Command::new(&cxx)
        .args(["-std=gnu++14", "-O2", "-g", "-Wno-deprecated", "-o"])
        .arg(&exe)
        .arg(SOURCE)
        .args(flags.split_whitespace())
        .arg("-lpthread")
        .output()
        .map_err(|e| format!("{cxx} could not run: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().find(|l| l.contains("error")).unwrap_or("");
        return Err(format!("{cxx} failed on {SOURCE}: {first}"));
    }
    Ok(exe)
}
