//! Whole rounds on tiny scenarios whose outcome was worked out by hand.
//!
//! Tickets were computed with
//! `printf '%s\n%s\n%s' "hand-worked" "$LABEL" "$ID" | sha256sum`
//! (first 16 hex digits shown next to each case), then each stage was run on
//! paper. Every round is also checked against the invariants of spec §4.

use std::path::Path;

use catchment::invariants;
use catchment::output;
use catchment::round::{self, Outcome, Stage};
use catchment::scenario::{self, LoadOptions, Scenario};

const SEED: &str = "hand-worked";

/// A square zone feature with its south-west corner at (lon, lat).
fn square(id: &str, level: &str, schools: &[&str], lon: f64, lat: f64, size: f64) -> String {
    let list: Vec<String> = schools.iter().map(|s| format!("\"{s}\"")).collect();
    let (x0, y0, x1, y1) = (lon, lat, lon + size, lat + size);
    format!(
        r#"{{"type":"Feature","properties":{{"id":"{id}","level":"{level}","schools":[{}]}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#,
        list.join(",")
    )
}

fn policy(extra: &str) -> String {
    format!(
        "seed = \"{SEED}\"\nrule = \"zone\"\ntie_breaking = \"single\"\ngroups = \"together\"\n{extra}\n[levels.primary]\nmax_class_size = 45\n"
    )
}

struct Round {
    scenario: Scenario,
    outcome: Outcome,
}

impl Round {
    fn new(dir: &Path, schools: &str, applicants: &str, zones: &[String], policy: &str) -> Round {
        std::fs::write(dir.join("schools.csv"), schools).unwrap();
        std::fs::write(dir.join("applicants.csv"), applicants).unwrap();
        std::fs::write(
            dir.join("zones.geojson"),
            format!(
                "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
                zones.join(",\n")
            ),
        )
        .unwrap();
        std::fs::write(dir.join("policy.toml"), policy).unwrap();
        let scenario = scenario::load(dir, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e:?}"));
        let outcome = round::run(&scenario);
        let problems = invariants::check(&scenario, &outcome);
        assert!(problems.is_empty(), "{problems:#?}");
        Round { scenario, outcome }
    }

    /// (school id or "", stage) of an applicant.
    fn of(&self, id: &str) -> (String, Stage) {
        let i = self.scenario.applicant_index(id).unwrap().index();
        let p = &self.outcome.placements[i];
        (
            p.school.map_or(String::new(), |s| self.scenario.school(s).id.clone()),
            p.stage,
        )
    }

    fn reason(&self, id: &str) -> Option<&'static str> {
        let i = self.scenario.applicant_index(id).unwrap().index();
        self.outcome.placements[i].reason.map(|r| r.as_str())
    }

    fn file(&self, name: &str) -> String {
        let files = output::render(&self.scenario, &self.outcome);
        let f = files.iter().find(|f| f.name == name).unwrap();
        String::from_utf8(f.bytes.clone()).unwrap()
    }
}

fn placed(school: &str, stage: Stage) -> (String, Stage) {
    (school.to_string(), stage)
}

/// Single-school zone A with 3 seats and five applicants in three tiers.
/// Tier 1 (a2, a4) is served first; of tier 2, a5 (ticket 28953c…) beats a1
/// (ce9fbf…) for the last seat. In the fallback a1 (tier 2) comes before a3
/// (tier 3): a1 takes B's only seat, and a3 finds no seat anywhere.
#[test]
fn oversubscribed_single_school_zone_with_tiers() {
    let dir = tempfile::tempdir().unwrap();
    let schools = "id,name,level,sector,lon,lat,classes,class_cap\n\
        A,School A,primary,public,116.405,39.905,1,3\n\
        B,School B,primary,public,116.425,39.905,1,1\n";
    let applicants = "id,level,lon,lat,priority\n\
        a1,primary,116.401,39.901,2\n\
        a2,primary,116.402,39.902,1\n\
        a3,primary,116.403,39.903,3\n\
        a4,primary,116.404,39.904,1\n\
        a5,primary,116.406,39.906,2\n";
    let zones = [
        square("ZA", "primary", &["A"], 116.40, 39.90, 0.01),
        square("ZB", "primary", &["B"], 116.42, 39.90, 0.01),
    ];
    let r = Round::new(dir.path(), schools, applicants, &zones, &policy(""));
    assert_eq!(r.of("a2"), placed("A", Stage::Zone));
    assert_eq!(r.of("a4"), placed("A", Stage::Zone));
    assert_eq!(r.of("a5"), placed("A", Stage::Zone));
    assert_eq!(r.of("a1"), placed("B", Stage::Fallback));
    assert_eq!(r.of("a3"), placed("", Stage::Unplaced));
    assert_eq!(r.reason("a3"), Some("no_capacity"));
    // A's cut-off is the last admitted: a5, tier 2.
    let schools_csv = r.file("schools.csv");
    let a_row = schools_csv.lines().find(|l| l.starts_with("A,")).unwrap();
    assert!(a_row.contains(",true,2,28953c18c842cced"), "{a_row}");
}

/// Multi-school zone M with X, Y, Z (one seat each). Choices:
/// b1 X;Y;Z (tier 1), b2 Y;X;Z, b3 X;Z;Y, b4 X;Y;Z (tier 2).
/// Tier-2 tickets: b3 4dad21… < b4 564e09… < b2 59ee32….
/// By hand: b1 holds X (tier 1). b3 is turned away from X and holds Z.
/// b4 is turned away from X and holds Y. b2 is turned away from Y (b4's
/// ticket is better), from X, and from Z (b3's is better): the zone cannot
/// seat b2, who goes to the fallback and to F.
#[test]
fn multi_school_zone_stable_matching_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let schools = "id,name,level,sector,lon,lat,classes,class_cap\n\
        X,X,primary,public,116.401,39.901,1,1\n\
        Y,Y,primary,public,116.405,39.905,1,1\n\
        Z,Z,primary,public,116.409,39.909,1,1\n\
        F,F,primary,public,116.43,39.905,1,5\n";
    let applicants = "id,level,lon,lat,priority,public_choices\n\
        b1,primary,116.402,39.902,1,X;Y;Z\n\
        b2,primary,116.403,39.903,2,Y;X;Z\n\
        b3,primary,116.404,39.904,2,X;Z;Y\n\
        b4,primary,116.406,39.906,2,X;Y;Z\n";
    let zones = [
        square("M", "primary", &["X", "Y", "Z"], 116.40, 39.90, 0.01),
        square("ZF", "primary", &["F"], 116.42, 39.90, 0.02),
    ];
    let r = Round::new(dir.path(), schools, applicants, &zones, &policy(""));
    assert_eq!(r.of("b1"), placed("X", Stage::Zone));
    assert_eq!(r.of("b3"), placed("Z", Stage::Zone));
    assert_eq!(r.of("b4"), placed("Y", Stage::Zone));
    assert_eq!(r.of("b2"), placed("F", Stage::Fallback));
    // The transcript lists b2 at every zone school it proposed to, in the
    // order of its list (Y, X, Z), turned away by each; each school had 1 seat.
    let lottery = r.file("lottery.csv");
    for (school, choice) in [("Y", "1"), ("X", "2"), ("Z", "3")] {
        let row = lottery
            .lines()
            .find(|l| l.starts_with(&format!("public,{school},b2,2,")))
            .unwrap_or_else(|| panic!("{lottery}"));
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(&fields[6..], ["false", "1", choice, "b2"], "{row}");
    }
}

/// c1 applies to private schools P1 then P2 (one seat each) at tier 2; c2
/// (P1) and c3 (P2) are tier 1 and take the seats. c1 is rejected by both
/// and is placed by its zone as if it had not applied.
#[test]
fn two_private_choices_rejected_by_both_placed_by_zone() {
    let dir = tempfile::tempdir().unwrap();
    let schools = "id,name,level,sector,lon,lat,classes,class_cap\n\
        P1,Private 1,primary,private,116.401,39.909,1,1\n\
        P2,Private 2,primary,private,116.409,39.901,1,1\n\
        S,Public S,primary,public,116.405,39.905,2,\n";
    let applicants = "id,level,lon,lat,priority,private_choices\n\
        c1,primary,116.402,39.902,2,P1;P2\n\
        c2,primary,116.403,39.903,1,P1\n\
        c3,primary,116.404,39.904,1,P2\n";
    let zones = [square("ZS", "primary", &["S"], 116.40, 39.90, 0.01)];
    let r = Round::new(dir.path(), schools, applicants, &zones, &policy(""));
    assert_eq!(r.of("c2"), placed("P1", Stage::PrivateLottery));
    assert_eq!(r.of("c3"), placed("P2", Stage::PrivateLottery));
    assert_eq!(r.of("c1"), placed("S", Stage::Zone));
    let lottery = r.file("lottery.csv");
    assert!(lottery.contains("private:P1,P1,c1,2,c939cd03167d7d59"), "{lottery}");
    assert!(lottery.contains("private:P2,P2,c1,2,6bdfa8011d1bea92"), "{lottery}");
    // c1 was admitted at S with its public ticket.
    let assignments = r.file("assignments.csv");
    let row = assignments.lines().find(|l| l.starts_with("c1,")).unwrap();
    assert!(row.contains(",S,zone,ZS,"), "{row}");
}

/// School T has 2 seats. d1 (tier 1) takes one; twins d2 + d3 (group g,
/// tier 2) need two and are skipped together; d4 (tier 3) takes the last
/// seat. The twins move on as a unit and are placed together at U.
#[test]
fn twins_with_one_seat_left_are_skipped_together_and_placed_together() {
    let dir = tempfile::tempdir().unwrap();
    let schools = "id,name,level,sector,lon,lat,classes,class_cap\n\
        T,T,primary,public,116.405,39.905,1,2\n\
        U,U,primary,public,116.425,39.905,1,5\n";
    let applicants = "id,level,lon,lat,priority,group,household\n\
        d1,primary,116.401,39.901,1,,h1\n\
        d2,primary,116.402,39.902,2,g,h2\n\
        d3,primary,116.402,39.902,2,g,h2\n\
        d4,primary,116.403,39.903,3,,h3\n";
    let zones = [
        square("ZT", "primary", &["T"], 116.40, 39.90, 0.01),
        square("ZU", "primary", &["U"], 116.42, 39.90, 0.01),
    ];
    let r = Round::new(dir.path(), schools, applicants, &zones, &policy(""));
    assert_eq!(r.of("d1"), placed("T", Stage::Zone));
    assert_eq!(r.of("d4"), placed("T", Stage::Zone));
    assert_eq!(r.of("d2"), placed("U", Stage::Fallback));
    assert_eq!(r.of("d3"), placed("U", Stage::Fallback));
    // Both twins drawn with the group ticket 51526e8b…, turned away at T.
    let lottery = r.file("lottery.csv");
    for twin in ["d2", "d3"] {
        assert!(
            lottery.contains(&format!("public,T,{twin},2,51526e8b1c0ecb00")),
            "{lottery}"
        );
    }
    let twins_at_t: Vec<&str> = lottery
        .lines()
        .filter(|l| l.starts_with("public,T,d2,") || l.starts_with("public,T,d3,"))
        .collect();
    assert_eq!(twins_at_t.len(), 2);
    for row in twins_at_t {
        // Turned away at T (2 seats), their first choice, drawn as group:g.
        assert!(row.ends_with(",false,2,1,group:g"), "{row}");
    }
    // Separate: the same twins are drawn alone and one of them gets the seat.
    let r = Round::new(
        dir.path(),
        schools,
        applicants,
        &zones,
        &policy("").replace("together", "separate"),
    );
    let at_t = ["d2", "d3"].iter().filter(|id| r.of(id).0 == "T").count();
    assert_eq!(at_t, 1);
    assert_eq!(r.of("d4").0, "U");
}

/// Four homes in no zone, all tier 1, tickets e4 42afc6… < e3 4f83e1… <
/// e1 c56584… < e2 fc35d6…. V (2 seats) is ~500 m away, W (1 seat) ~3 km.
#[test]
fn fallback_serves_in_priority_then_ticket_order() {
    let dir = tempfile::tempdir().unwrap();
    let schools = "id,name,level,sector,lon,lat,classes,class_cap\n\
        V,V,primary,public,116.400,39.9045,1,2\n\
        W,W,primary,public,116.400,39.927,1,1\n";
    let applicants = "id,level,lon,lat\n\
        e1,primary,116.400,39.900\n\
        e2,primary,116.400,39.900\n\
        e3,primary,116.400,39.900\n\
        e4,primary,116.400,39.900\n";
    let zones = [square("Z", "primary", &["V", "W"], 116.50, 39.90, 0.01)];
    // Within 2 km only V: e4 and e3 get it; W has a seat but is too far.
    let r = Round::new(
        dir.path(),
        schools,
        applicants,
        &zones,
        &policy("[fallback]\nmax_distance_m = 2000\n"),
    );
    assert_eq!(r.of("e4"), placed("V", Stage::Fallback));
    assert_eq!(r.of("e3"), placed("V", Stage::Fallback));
    assert_eq!(r.reason("e1"), Some("no_seat_within_limit"));
    assert_eq!(r.reason("e2"), Some("no_seat_within_limit"));
    // Within 5 km: e1 also gets W, and then no seat is left for e2.
    let r = Round::new(
        dir.path(),
        schools,
        applicants,
        &zones,
        &policy("[fallback]\nmax_distance_m = 5000\n"),
    );
    assert_eq!(r.of("e1"), placed("W", Stage::Fallback));
    assert_eq!(r.reason("e2"), Some("no_capacity"));
    // A tier-1 applicant is served before a better ticket in tier 2.
    let tiers = applicants
        .replace("e2,primary,116.400,39.900", "e2,primary,116.400,39.900,1")
        .replace("id,level,lon,lat\n", "id,level,lon,lat,priority\n");
    let tiers = tiers
        .lines()
        .map(|l| {
            if l.starts_with("id") || l.ends_with(",1") {
                l.to_string()
            } else {
                format!("{l},2")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let r = Round::new(
        dir.path(),
        schools,
        &tiers,
        &zones,
        &policy("[fallback]\nmax_distance_m = 2000\n"),
    );
    assert_eq!(r.of("e2"), placed("V", Stage::Fallback));
    assert_eq!(r.of("e4"), placed("V", Stage::Fallback));
    assert_eq!(r.reason("e3"), Some("no_seat_within_limit"));
    // With fallback none nobody is placed by the district.
    let r = Round::new(
        dir.path(),
        schools,
        applicants,
        &zones,
        &policy("[fallback]\nrule = \"none\"\n"),
    );
    assert_eq!(r.reason("e1"), Some("fallback_none"));
}

/// 91 pupils at a school of 3 classes, cap 45: 3 classes of 31/30/30.
#[test]
fn ninety_one_pupils_cap_45_form_three_classes() {
    let dir = tempfile::tempdir().unwrap();
    let schools = "id,name,level,sector,lon,lat,classes\nC,C,primary,public,116.405,39.905,3\n";
    let mut applicants = String::from("id,level,lon,lat,priority\n");
    for i in 0..91 {
        applicants.push_str(&format!(
            "k{i:02},primary,116.40{},39.90{},{}\n",
            i % 10,
            i % 7,
            1 + i % 3
        ));
    }
    let zones = [square("ZC", "primary", &["C"], 116.40, 39.90, 0.01)];
    let r = Round::new(dir.path(), schools, &applicants, &zones, &policy(""));
    let mut sizes = [0; 3];
    for p in &r.outcome.placements {
        sizes[p.class_no.unwrap() as usize - 1] += 1;
    }
    assert_eq!(sizes, [31, 30, 30]);
    let row = r.file("schools.csv").lines().nth(1).unwrap().to_string();
    assert!(
        row.starts_with("C,C,primary,public,116.405,39.905,3,45,135,91,91,0,3,31,44,false,,"),
        "{row}"
    );
}
