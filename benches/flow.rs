//! The exact min-cost flow behind rule `optimal` (`catchment::flow::assign`)
//! on generated, clustered instances of fixed seed: a district (20,000
//! applicants, 60 schools) and a city (300,000 applicants, 2,000 schools),
//! each with seats at 1.05× and at 0.95× demand. One solve includes the
//! candidate lists (k nearest schools per applicant from an `rstar` tree),
//! the flow, and the pricing rounds that certify optimality.
//!
//! Before measuring, each instance is solved once and its statistics are
//! printed to stderr (seated, total distance, pricing rounds, edges added).

use std::hint::black_box;
use std::time::Instant;

use catchment::distance::EARTH_RADIUS_M;
use catchment::flow::{assign, BoundPoints, CostModel};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;

/// Kilometres per degree of latitude.
const KM_PER_DEG_LAT: f64 = 111.195;
/// Kilometres per degree of longitude at latitude 39.9.
const KM_PER_DEG_LON: f64 = 85.305;

/// A school on the unit sphere with its index.
type SchoolPoint = GeomWithData<[f64; 3], u32>;

/// Haversine costs over an `rstar` tree of unit vectors: the tree's
/// nearest-neighbour order by chord length is the great-circle order, and
/// the chord converts exactly (monotonically) to great-circle metres.
struct City {
    homes: Vec<[f64; 3]>,
    sites: Vec<[f64; 3]>,
    tree: RTree<SchoolPoint>,
    capacity: Vec<u32>,
}

fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn chord_to_metres(chord: f64) -> f64 {
    2.0 * (chord / 2.0).min(1.0).asin() * EARTH_RADIUS_M
}

impl CostModel for City {
    fn applicants(&self) -> usize {
        self.homes.len()
    }

    fn schools(&self) -> usize {
        self.capacity.len()
    }

    fn capacity(&self, school: usize) -> u32 {
        self.capacity[school]
    }

    fn nearest(&self, applicant: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        Box::new(
            self.tree
                .nearest_neighbor_iter_with_distance_2(&self.homes[applicant])
                .map(|(p, d2)| (p.data as usize, chord_to_metres(d2.sqrt()))),
        )
    }

    fn cost(&self, applicant: usize, school: usize) -> Option<f64> {
        let (a, b) = (self.homes[applicant], self.sites[school]);
        let d2 = (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2);
        Some(chord_to_metres(d2.sqrt()))
    }

    fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
        let (a, b) = (self.sites[a], self.sites[b]);
        let d2 = (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2);
        Some(chord_to_metres(d2.sqrt()))
    }

    fn lower_bound_points(&self) -> Option<BoundPoints> {
        let scale = |v: &[f64; 3]| v.map(|c| c * EARTH_RADIUS_M);
        Some(BoundPoints {
            applicants: self.homes.iter().map(scale).collect(),
            schools: self.sites.iter().map(scale).collect(),
            limit_m: f64::INFINITY,
        })
    }
}

/// A clustered city: a square of 1.5 km² per school around (116.4, 39.9)
/// (as in `catchment::synth`), homes 70 % from twelve Gaussian centres and
/// 30 % uniform, schools drawn from the same mixture. Seats follow the
/// homes nearest each school (plus 20, times 0.8–1.25 noise), scaled to
/// `seats_per_applicant` × applicants in total.
fn city(applicants: usize, schools: usize, seats_per_applicant: f64, seed: u64) -> City {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let half_km = (1.5 * schools as f64).sqrt() / 2.0;
    let centres: Vec<(f64, f64, f64, f64)> = (0..12)
        .map(|_| {
            (
                rng.random_range(-half_km..half_km),
                rng.random_range(-half_km..half_km),
                rng.random_range(0.04..0.15) * half_km,
                rng.random_range(0.5..2.0),
            )
        })
        .collect();
    let total_weight: f64 = centres.iter().map(|c| c.3).sum();
    let std = Normal::new(0.0, 1.0).unwrap();
    let point = |rng: &mut ChaCha8Rng| -> (f64, f64) {
        let (x, y) = if rng.random_bool(0.3) {
            (rng.random_range(-half_km..half_km), rng.random_range(-half_km..half_km))
        } else {
            let mut w = rng.random_range(0.0..total_weight);
            let c = centres
                .iter()
                .find(|c| {
                    w -= c.3;
                    w < 0.0
                })
                .unwrap_or(&centres[0]);
            (c.0 + c.2 * std.sample(rng), c.1 + c.2 * std.sample(rng))
        };
        (116.4 + x / KM_PER_DEG_LON, 39.9 + y / KM_PER_DEG_LAT)
    };
    let homes: Vec<[f64; 3]> = (0..applicants)
        .map(|_| {
            let (lon, lat) = point(&mut rng);
            unit_vector(lon, lat)
        })
        .collect();
    let sites: Vec<(f64, f64)> = (0..schools).map(|_| point(&mut rng)).collect();
    let sites: Vec<[f64; 3]> = sites.iter().map(|&(lon, lat)| unit_vector(lon, lat)).collect();
    let tree = RTree::bulk_load(
        sites
            .iter()
            .enumerate()
            .map(|(j, &p)| GeomWithData::new(p, j as u32))
            .collect(),
    );
    // Planners size schools to the children around them: seats follow the
    // homes nearest each school, with noise.
    let mut near = vec![0u32; schools];
    for h in &homes {
        if let Some(p) = tree.nearest_neighbor(h) {
            near[p.data as usize] += 1;
        }
    }
    let weights: Vec<f64> = near
        .iter()
        .map(|&d| (d as f64 + 20.0) * rng.random_range(0.8..1.25))
        .collect();
    let seats = (applicants as f64 * seats_per_applicant).round() as u64;
    let sum_w: f64 = weights.iter().sum();
    let mut capacity: Vec<u32> = weights.iter().map(|w| (seats as f64 * w / sum_w) as u32).collect();
    // Flooring lost less than one seat per school: hand those out in order.
    let left = seats - capacity.iter().map(|&c| c as u64).sum::<u64>();
    for j in 0..left as usize {
        capacity[j % schools] += 1;
    }
    City {
        homes,
        sites,
        tree,
        capacity,
    }
}

fn bench_flow(c: &mut Criterion) {
    for (name, applicants, schools) in [("district_20k_60", 20_000, 60), ("city_300k_2000", 300_000, 2_000)] {
        let mut group = c.benchmark_group(format!("flow_{name}"));
        group.sample_size(10);
        for ratio in [1.05, 0.95] {
            let model = city(applicants, schools, ratio, 2024);
            let t = Instant::now();
            let a = assign(&model);
            eprintln!(
                "{name} seats {ratio}: {:.3} s, seated {} of {}, total {:.1} km, {:?}",
                t.elapsed().as_secs_f64(),
                a.seated,
                applicants,
                a.total_m / 1000.0,
                a.stats
            );
            group.bench_function(format!("assign_seats_{ratio}"), |b| {
                b.iter(|| black_box(assign(&model)))
            });
        }
        // The model's own share of a solve: the 8 nearest schools of everyone.
        let model = city(applicants, schools, 1.0, 2024);
        group.bench_function("nearest_8_only", |b| {
            b.iter(|| {
                (0..applicants)
                    .into_par_iter()
                    .map(|i| model.nearest(i).take(8).count())
                    .sum::<usize>()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_flow);
criterion_main!(benches);
