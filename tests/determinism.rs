//! Outputs are byte-identical whatever the thread count: a generated city
//! is run by the real binary under `RAYON_NUM_THREADS=1` and `=2`, and every
//! file of the two run folders is compared. The round's parallel parts
//! (zone lookup, preference lists, the flow's pricing and arc building) are
//! order-preserving maps, and no floating-point sum is split across
//! threads; this test is what keeps it so.

use std::path::Path;
use std::process::Command;

fn catchment(args: &[&str], threads: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_catchment"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("the catchment binary runs")
}

/// Every file of a run folder, by name, sorted.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("a run folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, std::fs::read(&p).expect("a file"))
        })
        .collect();
    out.sort();
    out
}

/// Generates a city with these `generate` arguments, runs it with one and
/// with two threads, and asserts the run folders are the same bytes.
fn same_with_one_and_two_threads(generate: &[&str]) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let city = tmp.path().join("city");
    let city_s = city.to_str().expect("utf-8 path");
    let mut args = vec!["generate"];
    args.extend_from_slice(generate);
    args.extend(["--out", city_s]);
    let o = catchment(&args, "2");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("run{threads}"));
        let o = catchment(&["run", city_s, "--out", out.to_str().expect("utf-8 path")], threads);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        runs.push(files(&out));
    }
    let names: Vec<&str> = runs[0].iter().map(|f| f.0.as_str()).collect();
    assert!(
        names.contains(&"assignments.csv") && names.contains(&"manifest.json"),
        "{names:?}"
    );
    assert_eq!(runs[0].len(), runs[1].len(), "different files: {names:?}");
    for (a, b) in runs[0].iter().zip(&runs[1]) {
        assert_eq!(a.0, b.0);
        assert!(a.1 == b.1, "{} differs between 1 and 2 threads", a.0);
    }
}

#[test]
fn zone_round_on_a_generated_city_ignores_the_thread_count() {
    same_with_one_and_two_threads(&[
        "--applicants",
        "30000",
        "--schools",
        "90",
        "--private",
        "6",
        "--seed",
        "11",
    ]);
}

#[test]
fn optimal_round_on_a_generated_city_ignores_the_thread_count() {
    // Seats short of demand (0.95) so that the flow prices, reroutes and
    // leaves some unplaced: its parallel pricing must not change a byte.
    same_with_one_and_two_threads(&[
        "--applicants",
        "20000",
        "--schools",
        "60",
        "--seed",
        "12",
        "--rule",
        "optimal",
        "--seats",
        "0.95",
    ]);
}
