//! The whole round, load to written outputs, on a generated district of
//! 20,000 applicants and 60 public schools (issue: "The allocation round"),
//! under rule `zone` and rule `nearest`; plus its phases on their own.

use std::path::Path;

use catchment::scenario::{self, LoadOptions};
use catchment::synth::{write_scenario, SynthParams};
use catchment::{output, round};
use criterion::{criterion_group, criterion_main, Criterion};

fn district(dir: &Path, rule: &str) {
    let params = SynthParams {
        rule: rule.to_string(),
        ..SynthParams::district()
    };
    write_scenario(&params, dir).expect("generate district");
}

fn bench_round(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    for rule in ["zone", "nearest"] {
        let dir = tmp.path().join(rule);
        district(&dir, rule);
        let out = tmp.path().join(format!("{rule}-run"));
        let mut group = c.benchmark_group(format!("district_20k_60_{rule}"));
        group.sample_size(10);
        group.bench_function("whole_round", |b| {
            b.iter(|| {
                let s = scenario::load(&dir, &LoadOptions::default()).unwrap();
                let o = round::run(&s);
                output::write_atomically(&out, &output::render(&s, &o)).unwrap();
            })
        });
        let s = scenario::load(&dir, &LoadOptions::default()).unwrap();
        group.bench_function("load", |b| {
            b.iter(|| scenario::load(&dir, &LoadOptions::default()).unwrap())
        });
        group.bench_function("round", |b| b.iter(|| round::run(&s)));
        let o = round::run(&s);
        group.bench_function("render", |b| b.iter(|| output::render(&s, &o)));
        group.finish();
    }
}

criterion_group!(benches, bench_round);
criterion_main!(benches);
