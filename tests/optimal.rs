//! Rule `optimal` through the whole round: hand-worked cases and a property
//! test against the `good_lp` model on the same costs.

use std::path::Path;

use catchment::distance::haversine;
use catchment::flow::{assign_lp, DenseCosts};
use catchment::invariants;
use catchment::round::{self, Stage};
use catchment::scenario::{self, LoadOptions, Sector};
use proptest::prelude::*;

fn write(dir: &Path, schools: &str, applicants: &str, policy: &str) {
    std::fs::write(dir.join("schools.csv"), schools).unwrap();
    std::fs::write(dir.join("applicants.csv"), applicants).unwrap();
    std::fs::write(dir.join("policy.toml"), policy).unwrap();
}

/// The id of the school applicant `id` was placed at (it must be placed).
fn school_of(s: &scenario::Scenario, o: &round::Outcome, id: &str) -> String {
    let placement = &o.placements[s.applicant_index(id).unwrap().index()];
    s.school(placement.school.unwrap()).id.clone()
}

/// Two schools of one seat on a line: S0 at 116.400, S1 at 116.410 (about
/// 853 m apart at this latitude); applicant a at 116.401 and b at 116.399.
/// Nearest-first in id order would seat a at S0 (85 m) and send b to S1
/// (940 m): 1,025 m. The optimum is a at S1 (768 m) and b at S0 (85 m):
/// 853 m.
#[test]
fn optimal_beats_nearest_first_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "id,name,level,sector,lon,lat,classes,class_cap\nS0,S0,primary,public,116.400,39.9,1,1\nS1,S1,primary,public,116.410,39.9,1,1\n",
        "id,level,lon,lat\na,primary,116.401,39.9\nb,primary,116.399,39.9\n",
        "seed = \"opt\"\nrule = \"optimal\"\n",
    );
    let s = scenario::load(tmp.path(), &LoadOptions::default()).unwrap();
    let o = round::run(&s);
    assert!(invariants::check(&s, &o).is_empty());
    let school = |id: &str| school_of(&s, &o, id);
    assert_eq!((school("a"), school("b")), ("S1".to_string(), "S0".to_string()));
    assert!(o.placements.iter().all(|p| p.stage == Stage::Optimal));
    // By hand on the sphere of spec §2 (R = 6,371,008.8 m), along the
    // parallel 39.9°: 2R·asin(cos 39.9° · sin(Δλ/2)) for Δλ = 0.009° and
    // 0.001°: 767.745 m + 85.305 m.
    let total: f64 = o.placements.iter().map(|p| p.distance_m.unwrap()).sum();
    assert!((total - 853.050).abs() < 0.001, "{total}");
}

/// Twins (applicants sharing a home) take the schools their home received
/// in increasing school id by increasing applicant id, whatever the row
/// order of `applicants.csv` and the order the round lists them in: `z`
/// is in a group with `a`, so its unit comes first, yet `m` (lower id)
/// takes S0, even though S0 is the farther of the two.
#[test]
fn twins_take_schools_in_id_order() {
    let schools = "id,name,level,sector,lon,lat,classes,class_cap\nS0,S0,primary,public,116.402,39.9,1,1\n\
                   S1,S1,primary,public,116.401,39.9,1,1\nS2,S2,primary,public,116.500,39.9,1,1\n";
    let rows = [
        "a,primary,116.500,39.9,g",
        "m,primary,116.400,39.9,",
        "z,primary,116.400,39.9,g",
    ];
    let policy = "seed = \"opt\"\nrule = \"optimal\"\ngroups = \"together\"\n";
    for order in [[0, 1, 2], [2, 1, 0]] {
        let tmp = tempfile::tempdir().unwrap();
        let applicants: String = order.iter().map(|&r| format!("{}\n", rows[r])).collect();
        write(
            tmp.path(),
            schools,
            &format!("id,level,lon,lat,group\n{applicants}"),
            policy,
        );
        let s = scenario::load(tmp.path(), &LoadOptions::default()).unwrap();
        let o = round::run(&s);
        assert!(invariants::check(&s, &o).is_empty());
        let school = |id: &str| school_of(&s, &o, id);
        assert_eq!(
            [school("a"), school("m"), school("z")],
            ["S2", "S0", "S1"],
            "rows {order:?}"
        );
    }
}

/// Seating the most comes first: with max_distance_m = 1,000, b can only
/// reach S0; a can reach both. The shortest pairing would put a at S0, but
/// then b has no seat; the optimum seats both (a at S1).
#[test]
fn optimal_seats_as_many_as_possible_first() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "id,name,level,sector,lon,lat,classes,class_cap\nS0,S0,primary,public,116.400,39.9,1,1\nS1,S1,primary,public,116.410,39.9,1,1\n",
        "id,level,lon,lat\na,primary,116.4005,39.9\nb,primary,116.392,39.9\n",
        "seed = \"opt\"\nrule = \"optimal\"\n[fallback]\nmax_distance_m = 1000\n",
    );
    let s = scenario::load(tmp.path(), &LoadOptions::default()).unwrap();
    let o = round::run(&s);
    assert!(invariants::check(&s, &o).is_empty());
    assert!(o.placements.iter().all(|p| p.school.is_some()), "{:?}", o.placements);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// On random small districts the round's optimal total distance equals
    /// the `good_lp`/microlp optimum over the same haversine costs, the same
    /// number are seated, and every invariant holds. Up to 14 schools, more
    /// than the solver's 8 first candidates, so that the dual certificate
    /// (school-to-school distances under haversine) has pairs to add.
    #[test]
    fn round_optimum_equals_the_lp(
        schools in proptest::collection::vec((0u32..20, 0u32..20, 0u32..3, 1u32..4), 1..14),
        homes in proptest::collection::vec((0u32..20, 0u32..20), 0..30),
        limit in proptest::option::of(500u32..3000),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let mut s_csv = String::from("id,name,level,sector,lon,lat,classes,class_cap\n");
        for (i, (x, y, classes, cap)) in schools.iter().enumerate() {
            s_csv.push_str(&format!("S{i},S{i},primary,public,{},{},{classes},{cap}\n", 116.4 + f64::from(*x) * 0.001, 39.9 + f64::from(*y) * 0.001));
        }
        let mut a_csv = String::from("id,level,lon,lat\n");
        for (i, (x, y)) in homes.iter().enumerate() {
            a_csv.push_str(&format!("a{i},primary,{},{}\n", 116.4 + f64::from(*x) * 0.001, 39.9 + f64::from(*y) * 0.001));
        }
        let policy = match limit {
            Some(m) => format!("seed = \"p\"\nrule = \"optimal\"\n[fallback]\nmax_distance_m = {m}\n"),
            None => "seed = \"p\"\nrule = \"optimal\"\n".to_string(),
        };
        write(tmp.path(), &s_csv, &a_csv, &policy);
        let s = scenario::load(tmp.path(), &LoadOptions::default()).unwrap();
        let o = round::run(&s);
        let problems = invariants::check(&s, &o);
        prop_assert!(problems.is_empty(), "{:?}", problems);
        // The same problem, built independently, solved as an LP.
        let capacity: Vec<u32> = s.schools.iter().map(|x| if x.sector == Sector::Public { x.capacity } else { 0 }).collect();
        let metres: Vec<Vec<Option<f64>>> = s.applicants.iter().map(|a| {
            s.schools.iter().map(|x| {
                let d = haversine((a.lon, a.lat), (x.lon, x.lat));
                (limit.is_none_or(|m| d <= f64::from(m))).then_some(d)
            }).collect()
        }).collect();
        let lp = assign_lp(&DenseCosts::new(capacity, metres)).unwrap();
        let seated = o.placements.iter().filter(|p| p.school.is_some()).count();
        prop_assert_eq!(seated, lp.seated);
        let total: f64 = o.placements.iter().filter_map(|p| p.distance_m).sum();
        prop_assert!((total - lp.total_m).abs() <= 1e-6 * lp.total_m.max(1.0) + 1e-3 * seated as f64, "{} vs {}", total, lp.total_m);
    }
}
