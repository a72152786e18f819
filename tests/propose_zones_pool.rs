//! `catchment propose-zones --pool` (issue 19, 多校划片): the properties of
//! the multi-school zones it makes, checked independently of how they were
//! chosen, on generated districts (proptest) and on the demo:
//! - every pooled zone is one valid polygon, the union of its members, and
//!   holds all its schools;
//! - a pool joins only proposed zones of its level, each sharing an edge
//!   with the rest (the members' union is one polygon);
//! - the zones of the pooled map do not overlap (under 1 m² between any two);
//! - the round on the pooled map never sends more of a level's children to
//!   district placement (or leaves them unplaced) than the round on the
//!   unpooled map, both run here by the round's own code;
//! - the pooled map loads as any zones file: `compare` and `run` accept it.

mod common;

use geo::{Area, Intersects, Point, Validation};
use proptest::prelude::*;

use catchment::round::{self, Stage};
use catchment::scenario::{self, Level, LoadOptions, Scenario};
use catchment::zoning::{propose, union_of, Proposal, ZoningOptions};
use common::{catchment, demo, first_overlap, generated, text};

/// The level's children sent to district placement or left unplaced by the
/// public stages, in the round on the proposal's map.
fn sent(sc: &Scenario, proposal: &Proposal, level: Level) -> u64 {
    let after = proposal.scenario(sc);
    let outcome = round::run(&after);
    after
        .applicants
        .iter()
        .zip(&outcome.placements)
        .filter(|(a, p)| a.level == level && matches!(p.stage, Stage::Fallback | Stage::Unplaced))
        .count() as u64
}

/// Checks the properties of the module docs; `Err` names the first failure.
fn check_pools(sc: &Scenario, proposal: &Proposal) -> Result<(), String> {
    for l in &proposal.levels {
        let Some(pooling) = &l.pooling else {
            return Err(format!("level {} has no pooling record", l.level.as_str()));
        };
        for p in &pooling.pools {
            if p.area.0.len() != 1 || !p.area.is_valid() {
                return Err(format!("pool {} is not one valid polygon", p.id));
            }
            if p.members.len() < 2 || p.members.len() != p.schools.len() {
                return Err(format!("pool {} has {} members", p.id, p.members.len()));
            }
            let members: Vec<_> = p
                .members
                .iter()
                .map(|m| l.zones.iter().find(|z| &z.id == m))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| format!("pool {} names a zone not drawn", p.id))?;
            let union = union_of(members.iter().flat_map(|z| &z.area.0));
            if union.0.len() != 1 {
                return Err(format!("pool {} joins zones that do not share an edge", p.id));
            }
            // Unions taken in another order differ in the last bits.
            let (a, b) = (union.unsigned_area(), p.area.unsigned_area());
            if (a - b).abs() > 1e-6 * a {
                return Err(format!("pool {} is not the union of its members", p.id));
            }
            for (&s, z) in p.schools.iter().zip(&members) {
                if z.school != s {
                    return Err(format!("pool {} lists school and member out of step", p.id));
                }
                let school = sc.school(s);
                if !p.area.intersects(&Point::new(school.lon, school.lat)) {
                    return Err(format!("school {} is outside its pool {}", school.id, p.id));
                }
            }
        }
        let mut unpooled = proposal.clone();
        for x in &mut unpooled.levels {
            x.pooling = None;
        }
        let (before, after) = (sent(sc, &unpooled, l.level), sent(sc, proposal, l.level));
        if after > before || before != pooling.sent_unpooled || after != pooling.sent_pooled {
            return Err(format!(
                "level {}: sent {before} → {after}, reported {} → {}",
                l.level.as_str(),
                pooling.sent_unpooled,
                pooling.sent_pooled
            ));
        }
    }
    let zones = proposal.zones();
    for l in &proposal.levels {
        let areas: Vec<_> = zones
            .iter()
            .filter(|z| z.level == l.level)
            .map(|z| (z.id.as_str(), &z.area))
            .collect();
        if let Some(overlap) = first_overlap(&areas) {
            return Err(overlap);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config(8))]
    /// Generated districts with tight seats (so that zones turn children
    /// away) and no slack or some.
    #[test]
    fn pooled_maps_have_the_properties(
        seed in 1u64..10_000,
        applicants in 200usize..600,
        schools in 3usize..8,
        seats in 0.85f64..1.15,
        slack in prop::sample::select(vec![0.0, 0.05, 0.3]),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let sc = generated(tmp.path(), applicants, schools, seed, seats);
        let options = ZoningOptions { unit_m: 300.0, slack, pool: true, ..ZoningOptions::default() };
        let proposal = propose(&sc, &options).unwrap();
        if let Err(e) = check_pools(&sc, &proposal) {
            prop_assert!(false, "{e}");
        }
    }
}

/// Worked by hand: three schools on a 3 × 1 km strip, one per 1 km cell
/// (each cell holds its school, so each zone is its cell whatever the
/// costs): West (A, 2 seats) with 2 homes, Middle (B, 4 seats) with 6,
/// East (C, 4 seats) with 2. With slack 0.5 every zone fits its cap (3, 6,
/// 6), so the map is exactly the three cells.
///
/// The round on that map: zone P-A seats its 2, P-C its 2 (2 seats left),
/// P-B seats 4 and turns 2 away; those 2 go to district placement, which
/// has only C's 2 seats left: sent to placement or left unplaced = 2.
/// `--pool`: P-B is the only zone turning children away (2); its
/// neighbours with seats left are P-C only (P-A is full), and P-B and P-C
/// share an edge, so the one trial is P-B+C: its 8 children and 8 seats
/// fit in the zone stage (B's 6 rank B first, B keeps 4 by lottery, the
/// other 2 go on to C), so 2 → 0 and the pool is kept. The same 2 children
/// end at C as before (same tickets, and C was the only school left), so
/// the distance cost is 0. Then P-B+C turns no one away: 2 rounds in all.
#[test]
fn hand_worked_pool_on_a_strip() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let schools = "id,name,level,sector,lon,lat,classes\n\
         A,West,primary,public,0.0045,0.0045,1\n\
         B,Middle,primary,public,0.0135,0.0045,2\n\
         C,East,primary,public,0.0225,0.0045,2\n";
    let homes = [
        (0.0020, 0.0020),
        (0.0070, 0.0070),
        (0.0100, 0.0020),
        (0.0110, 0.0070),
        (0.0120, 0.0030),
        (0.0150, 0.0060),
        (0.0160, 0.0020),
        (0.0170, 0.0070),
        (0.0200, 0.0030),
        (0.0250, 0.0060),
    ];
    let apps = common::primary_homes(&homes);
    common::write_strip(dir, schools, &apps, &["A", "B", "C"], 0.027, "pool strip", 2);
    let sc = scenario::load(dir, &LoadOptions::default()).unwrap();
    let options = ZoningOptions {
        unit_m: 0.009 * 6_371_008.8f64.to_radians(),
        slack: 0.5,
        pool: true,
        ..ZoningOptions::default()
    };
    let proposal = propose(&sc, &options).unwrap();
    check_pools(&sc, &proposal).unwrap();
    let l = &proposal.levels[0];
    assert_eq!(l.excess, 0, "{:?}", l.notes);
    let zones: Vec<(&str, u32, u32, u32)> = l
        .zones
        .iter()
        .map(|z| (z.id.as_str(), z.seats, z.cap, z.demand))
        .collect();
    assert_eq!(zones, vec![("P-A", 2, 3, 2), ("P-B", 4, 6, 6), ("P-C", 4, 6, 2)]);
    let pooling = l.pooling.as_ref().unwrap();
    assert_eq!((pooling.sent_unpooled, pooling.sent_pooled, pooling.trials), (2, 0, 2));
    assert_eq!(pooling.pools.len(), 1);
    let p = &pooling.pools[0];
    assert_eq!(p.id, "P-B+C");
    assert_eq!(p.members, vec!["P-B", "P-C"]);
    let ids: Vec<&str> = p.schools.iter().map(|&s| sc.school(s).id.as_str()).collect();
    assert_eq!(ids, vec!["B", "C"]);
    assert_eq!((p.overflow, p.spare, p.sent_before, p.sent_after), (2, 2, 2, 0));
    assert_eq!(p.mean_distance_before_m, p.mean_distance_after_m);
    // The round's own count agrees, and the pooled map seats all 10 in the zone stage.
    assert_eq!(sent(&sc, &proposal, Level::Primary), 0);
    let outcome = round::run(&proposal.scenario(&sc));
    assert!(outcome.placements.iter().all(|x| x.stage == Stage::Zone));
}

/// The demo, worked through: junior zone J-8269 turns 8 children away on
/// the proposed map; joining J-8265 and then J-8398 (the only neighbours
/// with seats left) lowers the junior children sent to placement 33 → 29,
/// at +223 m of mean distance. The pooled map then runs under `compare`
/// and `run`.
#[test]
fn demo_pools_and_the_pooled_map_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("proposed");
    let o = catchment([
        "propose-zones".as_ref(),
        demo().as_os_str(),
        "--pool".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("1 multi-school zone"), "{}", text(&o.stdout));
    let csv = std::fs::read_to_string(out.join("pools.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "pool_id,level,schools,members,overflow,spare,sent_before,sent_after,mean_distance_before_m,mean_distance_after_m,distance_cost_m"
    );
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows[1].starts_with("J-8265+8269+8398,junior,8269;8265;8398,J-8269;J-8265;J-8398,8,4,33,29,"),
        "{csv}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["pools"][0]["id"], "J-8265+8269+8398");
    assert!(summary["pools"][0]["distance_cost_m"].as_f64().unwrap() > 0.0);
    let geo = std::fs::read_to_string(out.join("proposed-zones.geojson")).unwrap();
    assert!(
        geo.contains(r#""schools":["8269","8265","8398"]"#),
        "pooled zone missing"
    );
    assert!(!geo.contains(r#""id":"J-8269""#));
    let page = std::fs::read_to_string(out.join("proposed.html")).unwrap();
    assert!(page.contains("Multi-school zones (--pool)") && page.contains("J-8265+8269+8398"));

    let sc = scenario::load(&demo(), &LoadOptions::default()).unwrap();
    let proposal = propose(
        &sc,
        &ZoningOptions {
            pool: true,
            ..ZoningOptions::default()
        },
    )
    .unwrap();
    check_pools(&sc, &proposal).unwrap();

    let cmp = tmp.path().join("compare");
    let o = catchment([
        "compare".as_ref(),
        demo().as_os_str(),
        "--zones".as_ref(),
        out.join("proposed-zones.geojson").as_os_str(),
        "--out".as_ref(),
        cmp.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // `run` on the demo with the pooled map as its zones.geojson (and the
    // registry's `zone` column emptied: its ids are today's map's).
    let folder = tmp.path().join("pooled");
    std::fs::create_dir(&folder).unwrap();
    for f in ["schools.csv", "policy.toml"] {
        std::fs::copy(demo().join(f), folder.join(f)).unwrap();
    }
    let apps = std::fs::read_to_string(demo().join("applicants.csv")).unwrap();
    let zone_col = apps
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "zone")
        .unwrap();
    let blanked: String = apps
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut cells: Vec<&str> = line.split(',').collect();
            if i > 0 {
                cells[zone_col] = "";
            }
            cells.join(",") + "\n"
        })
        .collect();
    std::fs::write(folder.join("applicants.csv"), blanked).unwrap();
    std::fs::copy(out.join("proposed-zones.geojson"), folder.join("zones.geojson")).unwrap();
    let run = tmp.path().join("run");
    let o = catchment(["run".as_ref(), folder.as_os_str(), "--out".as_ref(), run.as_os_str()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Without --pool there is no pools.csv and summary.json says so.
    let plain = tmp.path().join("plain");
    let o = catchment([
        "propose-zones".as_ref(),
        demo().as_os_str(),
        "--out".as_ref(),
        plain.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!plain.join("pools.csv").exists());
}
