//! `proposed.html` in a real browser: the demo's proposed map, opened in
//! headless Chromium, renders (a screenshot), runs the page's script to
//! its end without a JavaScript error (`<body data-ready="1">`), and shows
//! both levels' maps with one filled zone per public school and today's
//! zones as outlines. Chromium as in `tests/report_browser.rs`; missing,
//! the test fails under CI and says it is skipped elsewhere.

mod common;

use std::path::Path;

use common::browser::{body_tag, chromium, js_errors, run};

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
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("proposed_browser");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("proposed-laptop.png");
    let _ = std::fs::remove_file(&png);
    let shot = [
        format!("--screenshot={}", png.display()),
        "--window-size=1280,1600".to_string(),
    ];
    let (ok, _, stderr) = run(&bin, tmp.path(), "shot", 2000, &shot, &url);
    assert!(ok, "chromium screenshot failed: {stderr}");
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000,
        "no real screenshot"
    );
    assert!(
        js_errors(&stderr).is_empty(),
        "JavaScript errors: {:?}",
        js_errors(&stderr)
    );
    println!("screenshot: {}", png.display());
    let (ok, dom, stderr) = run(&bin, tmp.path(), "dom", 2000, &["--dump-dom".to_string()], &url);
    assert!(ok, "chromium --dump-dom failed: {stderr}");
    let body = body_tag(&dom);
    assert!(!body.contains("data-error"), "the page's script failed: {body}");
    assert!(
        body.contains("data-ready=\"1\""),
        "the page's script did not finish: {body}"
    );
    assert!(
        js_errors(&stderr).is_empty(),
        "JavaScript errors: {:?}",
        js_errors(&stderr)
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
