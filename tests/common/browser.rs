//! Headless Chromium for the page tests, as `tests/report_browser.rs`
//! drives it: the binary (`/usr/bin/chromium`, or `CATCHMENT_CHROMIUM`),
//! one call with a fresh profile and a time limit, the dumped DOM.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one Chromium call may take before it is killed.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The Chromium binary, if there is one: `CATCHMENT_CHROMIUM`, /usr/bin, then PATH.
pub fn chromium() -> Option<PathBuf> {
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

/// A `file://` URL of a page, with a fragment (e.g. `id=p00001`).
pub fn file_url(path: &Path, fragment: &str) -> String {
    format!("file://{}#{fragment}", path.canonicalize().unwrap().display())
}

/// Runs headless Chromium on `url` with a fresh profile under `work`, the
/// common flags, a virtual-time budget of `budget_ms` and `extra` (e.g.
/// `--dump-dom`, `--screenshot=…`); returns (success, stdout, stderr).
pub fn run(bin: &Path, work: &Path, name: &str, budget_ms: u32, extra: &[String], url: &str) -> (bool, String, String) {
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
        ])
        .arg(format!("--virtual-time-budget={budget_ms}"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
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
    (
        status.success(),
        String::from_utf8_lossy(&std::fs::read(&stdout_path).unwrap()).into_owned(),
        String::from_utf8_lossy(&std::fs::read(&stderr_path).unwrap()).into_owned(),
    )
}

/// Opens `url` headless and returns the DOM after the page's scripts ran,
/// and Chromium's stderr (console lines).
pub fn dump_dom(bin: &Path, work: &Path, name: &str, url: &str) -> (String, String) {
    let (ok, dom, stderr) = run(bin, work, name, 5000, &["--dump-dom".to_string()], url);
    assert!(ok, "chromium ({name}) failed: {stderr}");
    (dom, stderr)
}

/// Console lines that report an uncaught error.
pub fn js_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains(":ERROR:CONSOLE")))
        .collect()
}

/// The `<body …>` start tag of a dumped DOM.
pub fn body_tag(dom: &str) -> &str {
    let body = &dom[dom.find("<body").expect("the DOM has a body")..];
    &body[..=body.find('>').expect("the body tag ends")]
}

/// The text of the element with `id` (its first child text, entities
/// decoded), e.g. a `<pre id="...">`.
pub fn text_of(dom: &str, id: &str) -> String {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id}"));
    let open = start + dom[start..].find('>').unwrap() + 1;
    let close = open + dom[open..].find("</").unwrap();
    dom[open..close]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// A real screenshot: a PNG of some size.
pub fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    assert!(bytes.len() > 10_000, "{} is only {} bytes", path.display(), bytes.len());
}

/// Opens a page at a window size: a screenshot (a PNG, kept under the
/// test target's temporary folder `suite/`), then the DOM after the script
/// ran, which must mark the body ready without an error and without a
/// JavaScript console error. Returns the DOM and the screenshot.
pub fn check_page(bin: &Path, work: &Path, suite: &str, page: &Path, name: &str, size: &str) -> (String, PathBuf) {
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join(suite);
    std::fs::create_dir_all(&shots).unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let png = shots.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    let shot = [
        format!("--screenshot={}", png.display()),
        format!("--window-size={size}"),
    ];
    let (ok, _, stderr) = run(bin, work, name, 2000, &shot, &url);
    assert!(ok, "chromium screenshot ({name}) failed: {stderr}");
    assert_png(&png);
    assert!(
        js_errors(&stderr).is_empty(),
        "{name}: JavaScript errors: {:?}",
        js_errors(&stderr)
    );
    println!("screenshot: {}", png.display());
    let (ok, dom, stderr) = run(
        bin,
        work,
        &format!("{name}-dom"),
        2000,
        &["--dump-dom".to_string()],
        &url,
    );
    assert!(ok, "chromium --dump-dom ({name}) failed: {stderr}");
    let body = body_tag(&dom).to_string();
    assert!(!body.contains("data-error"), "{name}: the page's script failed: {body}");
    assert!(
        body.contains("data-ready=\"1\""),
        "{name}: the page's script did not finish: {body}"
    );
    assert!(
        js_errors(&stderr).is_empty(),
        "{name}: JavaScript errors: {:?}",
        js_errors(&stderr)
    );
    (dom, png)
}
