//! Issue 14's suite under criterion: each case of
//! [`catchment::bench::suite`] (seed 1) generated once, then measured two
//! ways: its whole run, load to written run folder exactly as `catchment
//! run` does it (the previous run folder removed before each, untimed), and
//! its public stage alone (the min-cost flow under rule `optimal`, the
//! deferred acceptance under rule `zone`), timed by the round's own phase
//! observer over a scenario loaded once.
//!
//! `catchment bench --suite` runs the same cases once each and prints them
//! beside their targets, with peak memory and whether every flow was
//! certified; this bench gives their spread over repeated runs.
//!
//! ```sh
//! cargo bench --bench suite
//! ```

use std::hint::black_box;
use std::time::Duration;

use catchment::bench::{self, Phases};
use catchment::round;
use catchment::scenario::{self, LoadOptions};
use catchment::synth::write_scenario;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn bench_suite(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temporary folder");
    for case in bench::suite(1) {
        // "city 0.95× σ0.6 10 km" → "city_0.95x_sigma0.6_10_km"
        let slug = case.name.replace('×', "x").replace('σ', "sigma").replace(' ', "_");
        let dir = tmp.path().join(&slug);
        write_scenario(&case.params, &dir).expect("generate the case");
        let out = tmp.path().join(format!("{slug}-run"));
        let mut group = c.benchmark_group(format!("suite_{slug}"));
        group.sample_size(10);
        // Ten whole runs of a city take 8–13 s on 2 cores.
        group.measurement_time(Duration::from_secs(15));
        group.bench_function("whole_run", |b| {
            b.iter_batched(
                || {
                    let _ = std::fs::remove_dir_all(&out);
                },
                |()| bench::run(&dir, &out, &slug).expect("run the case"),
                BatchSize::PerIteration,
            )
        });
        let scenario = scenario::load(&dir, &LoadOptions::default()).expect("load the case");
        group.bench_function("public_stage", |b| {
            b.iter_custom(|iters| {
                let mut stage = Duration::ZERO;
                for _ in 0..iters {
                    let mut phases = Phases::default();
                    black_box(round::run_timed(&scenario, &mut phases));
                    stage += phases
                        .0
                        .iter()
                        .filter(|p| p.name == "flow" || p.name == "matching")
                        .map(|p| p.time)
                        .sum::<Duration>();
                }
                stage
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_suite);
criterion_main!(benches);
