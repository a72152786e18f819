//! Tests of the report page (`super`): two renders of two loads agree,
//! names are escaped, every part is there, sampling and empty rounds.

use std::fmt::Write as _;

use super::*;
use crate::scenario::{self, LoadOptions};

const POLICY: &str = "seed = \"report test\"\nrule = \"zone\"\n\n[fallback]\nrule = \"nearest_vacancy\"\n\n\
                      [levels.primary]\nmax_class_size = 45\n[levels.junior]\nmax_class_size = 50\n";

const ZONES: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"Z1","level":"primary","schools":["S1","S2"]},"geometry":{"type":"Polygon","coordinates":[[[116.0,39.0],[116.02,39.0],[116.02,39.02],[116.0,39.02],[116.0,39.0]]]}},
{"type":"Feature","properties":{"id":"J1","level":"junior","schools":["J"]},"geometry":{"type":"Polygon","coordinates":[[[116.0,39.0],[116.02,39.0],[116.02,39.02],[116.0,39.02],[116.0,39.0]]]}}]}"#;

const SCHOOLS: &str = "id,name,level,sector,lon,lat,classes,class_cap,reserved\n\
                       S1,北京市第一实验小学,primary,public,116.005,39.005,1,2,\n\
                       S2,\"A<&>\"\"B school\",primary,public,116.015,39.015,1,2,\n\
                       J,Junior,junior,public,116.01,39.01,1,2,\n\
                       P,Private <Academy>,primary,private,116.01,39.01,1,1,\n";

fn scenario_with(applicants: &str) -> (Scenario, Outcome) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("policy.toml", POLICY),
        ("zones.geojson", ZONES),
        ("schools.csv", SCHOOLS),
        ("applicants.csv", applicants),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let scenario = scenario::load(dir.path(), &LoadOptions::default()).unwrap();
    let outcome = crate::round::run(&scenario);
    (scenario, outcome)
}

fn applicants(n: usize) -> String {
    let mut csv = String::from("id,level,lon,lat,priority,private_choices\n");
    for i in 0..n {
        let level = if i % 3 == 2 { "junior" } else { "primary" };
        let choice = if i % 7 == 0 && level == "primary" { "P" } else { "" };
        let _ = writeln!(
            csv,
            "a{i:05},{level},{:.6},{:.6},{},{choice}",
            116.001 + (i % 19) as f64 * 0.001,
            39.001 + (i % 17) as f64 * 0.001,
            1 + i % 2
        );
    }
    csv
}

fn html_of(s: &Scenario, o: &Outcome, cap: usize) -> String {
    String::from_utf8(render(s, o, &crate::balance::compute(s, o), cap)).unwrap()
}

fn page_of(n: usize) -> String {
    let (s, o) = scenario_with(&applicants(n));
    html_of(&s, &o, HOME_SAMPLE_CAP)
}

#[test]
fn two_loads_and_rounds_give_the_same_bytes() {
    // Two scenarios loaded and run separately, each rendered once.
    let (s1, o1) = scenario_with(&applicants(40));
    let (s2, o2) = scenario_with(&applicants(40));
    assert_eq!(html_of(&s1, &o1, HOME_SAMPLE_CAP), html_of(&s2, &o2, HOME_SAMPLE_CAP));
    // And a different round gives a different page.
    let (s3, o3) = scenario_with(&applicants(41));
    assert_ne!(html_of(&s1, &o1, HOME_SAMPLE_CAP), html_of(&s3, &o3, HOME_SAMPLE_CAP));
}

#[test]
fn names_are_escaped() {
    let html = page_of(12);
    assert!(html.contains("A&lt;&amp;&gt;&quot;B school"), "escaped name missing");
    assert!(!html.contains("A<&>\"B"), "raw name leaked");
    assert!(!html.contains("<Academy>"), "raw private name leaked");
    // The JSON inside <script> cannot close the script element.
    let data = html.split("id=\"report-data\"").nth(1).unwrap();
    let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
    assert!(!data.contains('<'), "unescaped < in the page data");
    assert!(data.contains("\\u003cAcademy\\u003e"));
}

#[test]
fn chinese_names_verbatim() {
    let html = page_of(12);
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("北京市第一实验小学"));
    assert!(html.contains("\"Noto Sans CJK SC\""));
}

#[test]
fn page_has_its_parts() {
    let html = page_of(30);
    for part in [
        "<title>Admission round report — report test</title>",
        "class=\"zone multi\"",
        "class=\"school\"",
        "class=\"school private\"",
        "class=\"homes st",
        "table class=\"sortable schools\"",
        "class=\"hist\"",
        "class=\"scalebar\"",
        "class=\"north\"",
        "class=\"slabels\"",
        "Applicants per seat",
        "id=\"balance\"",
        &crate::lottery::seed_commitment("report test"),
    ] {
        assert!(html.contains(part), "missing {part}");
    }
    assert!(!html.contains("src=\""), "no external resources");
    assert!(!html.contains("<link"), "no external resources");
}

#[test]
fn schools_are_coloured_by_applicants_per_seat() {
    let (s, o) = scenario_with(&applicants(30));
    let html = html_of(&s, &o, HOME_SAMPLE_CAP);
    for (i, school) in s.schools.iter().enumerate() {
        let r = &o.schools[i];
        let colour = map::demand_colour(map::demand(r.applicants, school.capacity));
        let symbol = format!("data-s=\"{i}\"");
        let at = html.find(&format!(
            "class=\"school{}\" {symbol}",
            if school.sector == crate::scenario::Sector::Private {
                " private"
            } else {
                ""
            }
        ));
        let tag = &html[at.unwrap_or_else(|| panic!("no symbol for {}", school.id))..];
        let tag = &tag[..tag.find('>').unwrap()];
        assert!(tag.contains(&format!("fill=\"{colour}\"")), "{}: {tag}", school.id);
    }
}

#[test]
fn sampling_above_the_cap() {
    let (s, o) = scenario_with(&applicants(90));
    let all = html_of(&s, &o, 1_000);
    assert!(
        all.contains("Every applicant's home is drawn (60)."),
        "primary unsampled"
    );
    assert!(!all.contains("Sampled:"));
    let sampled = html_of(&s, &o, 20);
    // 60 primary applicants, at most 20 drawn: every 3rd.
    assert!(
        sampled.contains("<strong>Sampled:</strong> 1 in 3 applicants (by id) drawn — 20 of 60 homes."),
        "{}",
        &sampled[sampled.find("class=\"note").unwrap()..][..300]
    );
    let dots = |html: &str| html.matches("h0").count();
    assert!(dots(&sampled) < dots(&all));
}

#[test]
fn empty_round_renders() {
    let (s, o) = scenario_with("id,level,lon,lat\n");
    let html = html_of(&s, &o, HOME_SAMPLE_CAP);
    assert!(html.contains("Every applicant has a seat."));
    assert!(html.contains("Nobody was placed at this level."));
    assert!(html.contains("<svg id=\"map\""));
    assert!(html.ends_with("</html>\n"));
}
