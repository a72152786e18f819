//! `proposed.html` in a real browser: the demo's proposed map, opened in
//! headless Chromium, renders (a screenshot), runs the page's script to
//! its end without a JavaScript error (`<body data-ready="1">`), and shows
//! both levels' maps with one filled zone per public school and today's
//! zones as outlines. Chromium as in `tests/report_browser.rs`; missing,
//! the test fails under CI and says it is skipped elsewhere.

mod common;

use common::browser::{check_page, chromium};

#[test]
fn demo_proposed_map_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("proposed");
    let demo = common::demo();
    let o = common::catchment(["propose-zones", demo.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::text(&o.stderr));
    let page = out.join("proposed.html");
    let html = std::fs::read_to_string(&page).unwrap();
    for external in ["<link", " src=\"", "@import", "https://", "http://"] {
        assert!(
            !html.contains(external),
            "proposed.html refers outside itself: {external}"
        );
    }
    let Some(bin) = chromium() else {
        common::tool_available(
            "proposed_browser",
            false,
            "no Chromium found (install the Debian package `chromium`, or set CATCHMENT_CHROMIUM); .ci/run installs it",
        );
        return;
    };
    let (dom, _) = check_page(
        &bin,
        tmp.path(),
        "proposed_browser",
        &page,
        "proposed-laptop",
        "1280,1600",
    );
    for part in [
        "id=\"map-primary\"",
        "id=\"map-junior\"",
        "id=\"figures\"",
        "class=\"outline\"",
    ] {
        assert!(dom.contains(part), "proposed.html has no {part}");
    }
    // One filled zone per zone of proposed-zones.geojson.
    let geojson: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("proposed-zones.geojson")).unwrap()).unwrap();
    let zones = geojson["features"].as_array().unwrap().len();
    assert_eq!(
        dom.matches("class=\"zone\"").count(),
        zones,
        "every proposed zone is drawn"
    );
}
