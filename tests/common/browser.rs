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
