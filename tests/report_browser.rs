//! `report.html` in a real browser: the demo district's report opened in
//! headless Chromium must render a map (zones and schools), run its script
//! without a JavaScript error, and give screenshots at laptop and phone
//! size.
//!
//! Chromium is `/usr/bin/chromium` (Debian package `chromium`, installed by
//! `.ci/run`), or the binary named by `CATCHMENT_CHROMIUM`. Without it the
//! test prints why it is skipped and passes. Screenshots are left in
//! Cargo's per-test temporary folder (printed with `--nocapture`) to look at.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one Chromium call may take before it is killed.
const TIMEOUT: Duration = Duration::from_secs(120);

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CATCHMENT_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::iter::once(Path::new("/usr/bin").join(name)).chain(on_path.iter().map(move |d| d.join(name)))
        })
        .find(|p| p.is_file())
}

/// Runs Chromium headless on a URL with a fresh profile; stdout goes to a
/// file (a dumped DOM outgrows a pipe), stderr is kept for console lines.
fn run_chromium(bin: &Path, work: &Path, name: &str, args: &[&str], url: &str) -> (Output, String) {
    let profile = work.join(format!("profile-{name}"));
    std::fs::create_dir_all(&profile).unwrap();
    let stdout_path = work.join(format!("{name}.stdout"));
    let stderr_path = work.join(format!("{name}.stderr"));
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium ({name}) did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = Output {
        status,
        stdout: std::fs::read(&stdout_path).unwrap(),
        stderr: std::fs::read(&stderr_path).unwrap(),
    };
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

/// Console lines that report an uncaught error.
fn js_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains(":ERROR:CONSOLE")))
        .collect()
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    assert!(bytes.len() > 10_000, "{} is only {} bytes", path.display(), bytes.len());
}

/// The `<body …>` start tag of a dumped DOM: where the page's script
/// records `data-ready="1"` when its set-up finished, or `data-error`.
fn body_tag(dom: &str) -> &str {
    let body = &dom[dom.find("<body").expect("the DOM has a body")..];
    &body[..=body.find('>').expect("the body tag ends")]
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

#[test]
fn demo_report_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
    let o = Command::new(env!("CARGO_BIN_EXE_catchment"))
        .args(["run", demo.to_str().unwrap(), "--out", run.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = run.join("report.html");
    let html = std::fs::read_to_string(&report).expect("the run folder has report.html");
    assert!(html.len() < 2_000_000, "report.html is {} bytes", html.len());
    for external in ["<link", " src=\"", "@import", "url(http", "https://"] {
        assert!(
            !html.contains(external),
            "report.html refers outside itself: {external}"
        );
    }

    let Some(bin) = chromium() else {
        println!(
            "SKIPPED report_browser: no Chromium found (install the Debian package `chromium`, \
             or set CATCHMENT_CHROMIUM); .ci/run installs it"
        );
        return;
    };
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_browser");
    std::fs::create_dir_all(&shots).unwrap();
    let url = file_url(&report);

    // (1) Screenshots at laptop and phone size.
    for (name, size) in [("laptop", "1280,2000"), ("phone", "390,844")] {
        let png = shots.join(format!("report-{name}.png"));
        let _ = std::fs::remove_file(&png);
        let (o, stderr) = run_chromium(
            &bin,
            tmp.path(),
            name,
            &[
                &format!("--screenshot={}", png.display()),
                &format!("--window-size={size}"),
            ],
            &url,
        );
        assert!(o.status.success(), "chromium screenshot ({name}) failed: {stderr}");
        assert_png(&png);
        assert!(
            js_errors(&stderr).is_empty(),
            "JavaScript errors: {:?}",
            js_errors(&stderr)
        );
        println!("screenshot: {}", png.display());
    }

    // (2) The map is drawn and (3) the script ran to its end without error.
    let (o, stderr) = run_chromium(&bin, tmp.path(), "dom", &["--dump-dom"], &url);
    assert!(o.status.success(), "chromium --dump-dom failed: {stderr}");
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(dom.contains("<svg id=\"map\""), "no map SVG in the DOM");
    let zones = dom.matches("class=\"zone").count();
    let schools = dom.matches("class=\"school").count();
    let homes = dom.matches("class=\"homes st").count();
    assert!(zones >= 1, "no zone on the map");
    assert!(schools >= 1, "no school on the map");
    assert!(homes >= 1, "no homes on the map");
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

    // Selecting a school (report.html#school=<id>) draws lines to its
    // pupils' homes.
    let id = school_with_pupils(&run);
    let (o, stderr) = run_chromium(
        &bin,
        tmp.path(),
        "select",
        &["--dump-dom"],
        &format!("{url}#school={id}"),
    );
    assert!(o.status.success(), "chromium --dump-dom (selection) failed: {stderr}");
    let dom = String::from_utf8_lossy(&o.stdout);
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

/// `compare.html` of the demo with its proposed map: two maps, no
/// JavaScript error, a screenshot at laptop size.
#[test]
fn demo_compare_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district");
    let o = Command::new(env!("CARGO_BIN_EXE_catchment"))
        .args([
            "compare",
            demo.to_str().unwrap(),
            "--zones",
            demo.join("proposed-zones.geojson").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = out.join("compare.html");
    let html = std::fs::read_to_string(&page).expect("compare.html is written");
    for external in ["<link", " src=\"", "@import", "url(http", "https://"] {
        assert!(
            !html.contains(external),
            "compare.html refers outside itself: {external}"
        );
    }
    let Some(bin) = chromium() else {
        println!("SKIPPED compare browser test: no Chromium found (set CATCHMENT_CHROMIUM)");
        return;
    };
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_browser");
    std::fs::create_dir_all(&shots).unwrap();
    let url = file_url(&page);
    let png = shots.join("compare-laptop.png");
    let _ = std::fs::remove_file(&png);
    let (o, stderr) = run_chromium(
        &bin,
        tmp.path(),
        "compare-laptop",
        &[&format!("--screenshot={}", png.display()), "--window-size=1400,1800"],
        &url,
    );
    assert!(o.status.success(), "chromium screenshot failed: {stderr}");
    assert_png(&png);
    assert!(
        js_errors(&stderr).is_empty(),
        "JavaScript errors: {:?}",
        js_errors(&stderr)
    );
    println!("screenshot: {}", png.display());

    let (o, stderr) = run_chromium(&bin, tmp.path(), "compare-dom", &["--dump-dom"], &url);
    assert!(o.status.success(), "chromium --dump-dom failed: {stderr}");
    let dom = String::from_utf8_lossy(&o.stdout);
    // Two maps per level (primary and junior), each with zones, schools and homes.
    assert_eq!(dom.matches("<svg class=\"cmap\"").count(), 4, "expected 4 maps");
    for svg in dom.split("<svg class=\"cmap\"").skip(1) {
        let svg = &svg[..svg.find("</svg>").expect("the map ends")];
        assert!(svg.contains("class=\"zone"), "a map without zones");
        assert!(svg.contains("class=\"school"), "a map without schools");
        assert!(svg.contains("class=\"homes st"), "a map without homes");
    }
    // The moved strip changes some primary homes: they are ringed.
    assert!(dom.contains("class=\"ring\""), "no changed home is highlighted");
    assert!(
        js_errors(&stderr).is_empty(),
        "JavaScript errors: {:?}",
        js_errors(&stderr)
    );
}
