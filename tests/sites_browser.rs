//! `sites.html` in a real browser: the demo's siting page opened in
//! headless Chromium renders (a screenshot), runs the page's script to its
//! end without a JavaScript error (`<body data-ready="1">`), and shows the
//! map with the opened and not-opened candidates and the kept schools.
//! Chromium as in `tests/report_browser.rs`: `/usr/bin/chromium` or
//! `CATCHMENT_CHROMIUM`; missing, the test fails under CI and says it is
//! skipped elsewhere.

mod common;

use common::browser::{check_page, chromium};

#[test]
fn demo_sites_page_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sites");
    let demo = common::demo();
    let o = common::catchment([
        "sites",
        demo.to_str().unwrap(),
        "--candidates",
        demo.join("candidates.csv").to_str().unwrap(),
        "--open",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", common::text(&o.stderr));
    let page = out.join("sites.html");
    let html = std::fs::read_to_string(&page).unwrap();
    for external in ["<link", " src=\"", "@import", "https://", "http://"] {
        assert!(!html.contains(external), "sites.html refers outside itself: {external}");
    }
    let Some(bin) = chromium() else {
        common::tool_available(
            "sites_browser",
            false,
            "no Chromium found (install the Debian package `chromium`, or set CATCHMENT_CHROMIUM); .ci/run installs it",
        );
        return;
    };
    let (dom, _) = check_page(&bin, tmp.path(), "sites_browser", &page, "sites-laptop", "1280,1600");
    // Both levels' maps, with every kind of site the plan has.
    for part in [
        "id=\"sites-primary\"",
        "id=\"sites-junior\"",
        "class=\"map sites\"",
        "data-decision=\"open\"",
        "data-decision=\"not_opened\"",
        "data-decision=\"kept\"",
        "class=\"flows\"",
        "class=\"zone",
    ] {
        assert!(dom.contains(part), "sites.html has no {part}");
    }
    let opened = dom.matches("<rect class=\"site\" data-id=\"C-").count();
    assert_eq!(opened, 8, "every candidate is drawn");
}
