//! One criterion group per hot loop of a round, on a generated district
//! (20,000 applicants, 60 public schools, seed 1): zone lookup per
//! applicant, k-nearest school queries, deferred acceptance, class
//! formation.

use catchment::geo_index::{school_tree, NearestSchools, ZoneIndex};
use catchment::lottery::{Key, Ticket};
use catchment::matching::deferred_acceptance;
use catchment::scenario::{self, LoadOptions, Scenario, SchoolIdx, Sector};
use catchment::synth::{write_scenario, SynthParams};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn district() -> (tempfile::TempDir, Scenario) {
    let tmp = tempfile::tempdir().unwrap();
    write_scenario(&SynthParams::district(), tmp.path()).unwrap();
    let s = scenario::load(tmp.path(), &LoadOptions::default()).unwrap();
    (tmp, s)
}

fn zone_lookup(c: &mut Criterion, s: &Scenario) {
    let index = ZoneIndex::new(&s.zones);
    c.bench_function("zone_lookup/20k_applicants", |b| {
        b.iter(|| {
            s.applicants
                .iter()
                .filter(|a| index.locate(a.level, a.lon, a.lat).zone.is_some())
                .count()
        })
    });
}

fn k_nearest(c: &mut Criterion, s: &Scenario) {
    let tree = school_tree(&s.schools, |_, school| school.sector == Sector::Public);
    let mut group = c.benchmark_group("k_nearest/20k_applicants");
    for k in [1usize, 8] {
        group.bench_with_input(BenchmarkId::from_parameter(k), &k, |b, &k| {
            b.iter(|| {
                s.applicants
                    .iter()
                    .map(|a| NearestSchools::new(&tree, &s.schools, a.lon, a.lat).take(k).count())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

fn matching(c: &mut Criterion, s: &Scenario) {
    // Every applicant ranks the public schools of its level by distance
    // (8 nearest), tickets from the applicant index.
    let tree = school_tree(&s.schools, |_, school| school.sector == Sector::Public);
    let prefs: Vec<Vec<SchoolIdx>> = s
        .applicants
        .iter()
        .map(|a| {
            NearestSchools::new(&tree, &s.schools, a.lon, a.lat)
                .filter(|&(i, _)| s.school(i).level == a.level)
                .take(8)
                .map(|x| x.0)
                .collect()
        })
        .collect();
    let capacity: Vec<u32> = s.schools.iter().map(|x| x.capacity).collect();
    let sizes = vec![1u32; prefs.len()];
    let tickets: Vec<Ticket> = (0..prefs.len())
        .map(|i| catchment::lottery::ticket("bench", "public", &i.to_string()))
        .collect();
    c.bench_function("deferred_acceptance/20k_applicants_8_choices", |b| {
        b.iter(|| {
            let mut pos = vec![0usize; prefs.len()];
            deferred_acceptance(
                &sizes,
                &capacity,
                |u| {
                    let next = prefs[u.index()].get(pos[u.index()]).copied();
                    pos[u.index()] += 1;
                    next
                },
                |u, _| Key {
                    priority: 1,
                    ticket: tickets[u.index()],
                },
            )
        })
    });
}

fn classes(c: &mut Criterion) {
    let ids: Vec<String> = (0..2_000).map(|i| format!("a{i:05}")).collect();
    let pupils: Vec<(u32, Ticket, &str)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                1 + (i % 3) as u32,
                catchment::lottery::ticket("bench", "public", id),
                id.as_str(),
            )
        })
        .collect();
    c.bench_function("class_formation/2000_pupils_cap_45", |b| {
        b.iter(|| catchment::classes::deal(&pupils, 45, 50))
    });
}

fn hot_loops(c: &mut Criterion) {
    let (_tmp, s) = district();
    zone_lookup(c, &s);
    k_nearest(c, &s);
    matching(c, &s);
    classes(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = hot_loops
}
criterion_main!(benches);
