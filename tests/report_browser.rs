//! Every page in a real browser: the demo's `report.html`, `compare.html`,
//! `forecast.html` and the senior round's `report.html` (with its balance
//! section, the report holds every section there is) opened in headless
//! Chromium must render, run the page's script to its end without a
//! JavaScript error (`<body data-ready="1">`), and give screenshots.
//!
//! Chromium is `/usr/bin/chromium` (Debian package `chromium`, installed by
//! `.ci/run`), or the binary named by `CATCHMENT_CHROMIUM`. Without it the
//! tests fail under CI (`CI` set, as `.ci/run` does), so a green CI always
//! ran them; elsewhere they say on stderr that they are skipped. Screenshots are left in
//! Cargo's per-test temporary folder (printed with `--nocapture`) to look at.
//!
//! **Refreshing the screenshots in `docs/`.** With
//! `CATCHMENT_REFRESH_DOCS=1`, the report and compare tests also write
//! their laptop screenshots to `docs/report-demo.png` and
//! `docs/compare-demo.png` (`docs/refresh-screenshots.sh` runs exactly
//! that):
//!
//! ```text
//! CATCHMENT_REFRESH_DOCS=1 cargo test --release --test report_browser
//! ```

mod common;

use common::browser::{self, body_tag, chromium, js_errors};

use std::path::{Path, PathBuf};
use std::process::Command;

/// Chromium with the common flags (tests/common/browser.rs) and a 2 s
/// virtual-time budget; returns (success, stdout, stderr).
fn run_chromium(bin: &Path, work: &Path, name: &str, args: &[&str], url: &str) -> (bool, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    browser::run(bin, work, name, 2000, &args, url)
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// The id of a school that admitted someone, from the run's `schools.csv`.
fn school_with_pupils(run: &Path) -> String {
    let text = std::fs::read_to_string(run.join("schools.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let admitted = header.iter().position(|&c| c == "admitted").unwrap();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|cols| cols.len() == header.len() && cols[admitted].parse::<u32>().is_ok_and(|n| n > 0))
        .map(|cols| cols[0].to_string())
        .expect("some school admitted someone")
}

/// With `CATCHMENT_REFRESH_DOCS` set, copies a screenshot into `docs/`.
fn refresh_doc(png: &Path, name: &str) {
    if std::env::var_os("CATCHMENT_REFRESH_DOCS").is_some() {
        let to = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(name);
        std::fs::copy(png, &to).unwrap();
        println!("refreshed {}", to.display());
    }
}

/// A page refers to nothing outside itself.
fn self_contained(html: &str, name: &str) {
    for external in ["<link", " src=\"", "@import", "url(http", "https://", "http://"] {
        assert!(!html.contains(external), "{name} refers outside itself: {external}");
    }
}

/// Runs the binary; it must succeed.
fn run_catchment(args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_catchment"))
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district")
}

/// No Chromium: a failure under CI (`.ci/run` sets `CI`), a skip said on
/// stderr elsewhere.
fn skipped(what: &str) {
    common::tool_available(
        what,
        false,
        "no Chromium found (install the Debian package `chromium`, or set CATCHMENT_CHROMIUM); .ci/run installs it",
    );
}

#[test]
fn demo_report_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    run_catchment(&["run", demo().to_str().unwrap(), "--out", run.to_str().unwrap()]);
    let report = run.join("report.html");
    let html = std::fs::read_to_string(&report).expect("the run folder has report.html");
    assert!(html.len() < 2_000_000, "report.html is {} bytes", html.len());
    self_contained(&html, "report.html");

    let Some(bin) = chromium() else {
        skipped("report_browser");
        return;
    };
    let url = file_url(&report);

    // (1) Screenshots at laptop and phone size, each page ready without error.
    let (dom, png) = browser::check_page(
        &bin,
        tmp.path(),
        "report_browser",
        &report,
        "report-laptop",
        "1280,1600",
    );
    refresh_doc(&png, "report-demo.png");
    browser::check_page(&bin, tmp.path(), "report_browser", &report, "report-phone", "390,844");

    // (2) The map is drawn: zones, schools with labels, homes, a scale bar
    // and a north arrow; and the balance section is there.
    assert!(dom.contains("<svg id=\"map\""), "no map SVG in the DOM");
    for part in [
        "class=\"zone",
        "class=\"school",
        "class=\"homes st",
        "class=\"slabels\"",
        "class=\"scalebar\"",
        "class=\"north\"",
        "id=\"balance\"",
    ] {
        assert!(dom.contains(part), "the report has no {part}");
    }

    // Selecting a school (report.html#school=<id>) draws lines to its
    // pupils' homes.
    let id = school_with_pupils(&run);
    let (ok, stdout, stderr) = run_chromium(
        &bin,
        tmp.path(),
        "select",
        &["--dump-dom"],
        &format!("{url}#school={id}"),
    );
    assert!(ok, "chromium --dump-dom (selection) failed: {stderr}");
    let dom = stdout;
    assert!(
        dom.contains("class=\"sel-lines\""),
        "selecting school {id} drew no lines"
    );
    assert!(
        dom.contains("class=\"school sel\"") || dom.contains("class=\"school private sel\""),
        "school {id} is not highlighted"
    );
    let body = body_tag(&dom);
    assert!(
        !body.contains("data-error"),
        "the page's script failed after selecting {id}: {body}"
    );
    assert!(
        js_errors(&stderr).is_empty(),
        "JavaScript errors: {:?}",
        js_errors(&stderr)
    );
}

/// `compare.html` of the demo with its proposed map: the primary maps
/// (the junior level does not change: one line), no JavaScript error, a
/// screenshot at laptop size.
#[test]
fn demo_compare_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let demo = demo();
    run_catchment(&[
        "compare",
        demo.to_str().unwrap(),
        "--zones",
        demo.join("proposed-zones.geojson").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let page = out.join("compare.html");
    let html = std::fs::read_to_string(&page).expect("compare.html is written");
    self_contained(&html, "compare.html");
    let Some(bin) = chromium() else {
        skipped("compare browser test");
        return;
    };
    let (dom, png) = browser::check_page(&bin, tmp.path(), "report_browser", &page, "compare-laptop", "1400,2200");
    refresh_doc(&png, "compare-demo.png");
    // Two maps of the primary level, each with zones, schools, homes, the
    // changed area outlined, a scale bar and a north arrow.
    assert_eq!(dom.matches("<svg class=\"cmap\"").count(), 2, "expected 2 maps");
    for svg in dom.split("<svg class=\"cmap\"").skip(1) {
        let svg = &svg[..svg.find("</svg>").expect("the map ends")];
        for part in [
            "class=\"zone",
            "class=\"school",
            "class=\"homes st",
            "class=\"outline\"",
            "class=\"scalebar\"",
        ] {
            assert!(svg.contains(part), "a map without {part}");
        }
    }
    // The moved strip changes some primary homes: they are ringed.
    assert!(dom.contains("class=\"ring\""), "no changed home is highlighted");
    assert!(
        dom.contains("<strong>junior: no change.</strong>"),
        "the junior level is not one line"
    );
    assert!(
        dom.contains("<code>proposed-zones.geojson</code>"),
        "the proposed file is not named"
    );
}

/// `forecast.html` of the demo: a full-width chart per level with its
/// years, no JavaScript error.
#[test]
fn demo_forecast_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("fc");
    run_catchment(&["forecast", demo().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let page = out.join("forecast.html");
    let html = std::fs::read_to_string(&page).expect("forecast.html is written");
    self_contained(&html, "forecast.html");
    let Some(bin) = chromium() else {
        skipped("forecast browser test");
        return;
    };
    let (dom, _) = browser::check_page(
        &bin,
        tmp.path(),
        "report_browser",
        &page,
        "forecast-laptop",
        "1280,1600",
    );
    assert_eq!(dom.matches("<svg class=\"fchart\"").count(), 2, "one chart per level");
    assert!(dom.contains("class=\"xtick\""), "no year ticks");
}

/// The senior round's `report.html`: renders, no JavaScript error.
#[test]
fn demo_senior_report_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("senior");
    run_catchment(&[
        "senior",
        demo().join("senior").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).expect("the senior report is written");
    self_contained(&html, "senior report.html");
    let Some(bin) = chromium() else {
        skipped("senior browser test");
        return;
    };
    let (dom, _) = browser::check_page(&bin, tmp.path(), "report_browser", &page, "senior-laptop", "1280,1600");
    for part in ["id=\"fairness\"", "id=\"seniors\"", "id=\"quotas\""] {
        assert!(dom.contains(part), "the senior report has no {part}");
    }
}
