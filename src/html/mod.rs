//! The one rendering layer: every HTML page catchment writes (the run's
//! `report.html`, `compare.html`, `forecast.html` and the senior round's
//! `report.html`) is a template here over data that the computing modules
//! return.
//!
//! Templates are written with [maud]'s `html!` macro. maud compiles a
//! template into Rust at build time, so there is no template file to ship
//! or to find at run time, and a broken template is a compile error; every
//! interpolated value is escaped by construction (`PreEscaped` is used only
//! for the stylesheet and script of this crate and for SVG path data built
//! from numbers); and the output depends only on the data (no clock, no
//! hash-map order), so a page is byte-identical from run to run.
//!
//! # Layout
//! - this file: the page shell ([`page`]: `<head>`, the one stylesheet, the
//!   one script, the footer) and the formatting helpers every page uses;
//! - `assets/style.css`, `assets/script.js`: the stylesheet and script,
//!   real files included at compile time with `include_str!`;
//! - `map`: projection, zone, home and school layers, legend keys, scale
//!   bar and north arrow, with label placement in `map/labels.rs`;
//!   `chart`: the distance histogram and the forecast chart; `table`:
//!   table helpers;
//! - one small file per page, which only arranges data: [`report`],
//!   [`compare`], [`forecast`], [`balance`] (a section of the report),
//!   [`senior`], [`publish`] (the public folder's `index.html`, with its own
//!   look-up script `assets/publish.js`) (the report's tests are in
//!   `report_tests.rs`).
//!
//! Every page is self-contained: no network, no external scripts, styles
//! or fonts.
//!
//! [maud]: https://maud.lambda.xyz

pub mod balance;
mod chart;
pub mod compare;
pub mod forecast;
mod map;
pub mod proposed;
pub mod publish;
pub mod report;
pub mod senior;
pub mod sites;
mod table;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::round::Stage;

/// The stylesheet of every page.
const STYLE: &str = include_str!("assets/style.css");
/// The script of every page: sortable tables everywhere, and on the
/// report the interactive map. It marks `<body data-ready="1">` when set up.
const SCRIPT: &str = include_str!("assets/script.js");

/// A whole page: the shell around `body`, with a footer naming the version
/// and `note`. Ends with a newline.
pub(crate) fn page(title: &str, body: Markup, note: &str) -> Vec<u8> {
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    (body)
                    footer { p { "Written by catchment " (env!("CARGO_PKG_VERSION")) ". " (note) } }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    let mut text = doc.into_string();
    text.push('\n');
    text.into_bytes()
}

/// JSON for a `<script type="application/json">` element: the one place
/// where text goes into a non-HTML context. `<`, `>` and `&` (which occur
/// only inside JSON strings) become `\u003c`, `\u003e`, `\u0026`, so the
/// data cannot close the element.
pub(crate) fn script_json(json: &str) -> PreEscaped<String> {
    PreEscaped(
        json.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"),
    )
}

/// The stages in output order; a stage's position is its colour class
/// (`st0`…`st5`) and its code in the page's data.
pub(crate) const STAGES: [Stage; 6] = Stage::ALL;

/// A stage's position in [`STAGES`] (a new stage must be added to both).
pub(crate) fn stage_index(stage: Stage) -> usize {
    match stage {
        Stage::PrivateLottery => 0,
        Stage::Zone => 1,
        Stage::Nearest => 2,
        Stage::Optimal => 3,
        Stage::Fallback => 4,
        Stage::Unplaced => 5,
    }
}

/// A stage as a reader names it.
pub(crate) fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::PrivateLottery => "private lottery (公民同招)",
        Stage::Zone => "zone",
        Stage::Nearest => "nearest school",
        Stage::Optimal => "shortest total distance",
        Stage::Fallback => "district placement (统筹)",
        Stage::Unplaced => "unplaced",
    }
}

/// An integer with thousands separators: 12,345.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A distance for reading: metres below 1 km, else kilometres with up to
/// two decimals (6 km, 1.5 km, 1.62 km).
pub(crate) fn metres(m: f64) -> String {
    if m < 1000.0 {
        return format!("{m:.0} m");
    }
    let km = format!("{:.2}", m / 1000.0);
    format!("{} km", km.trim_end_matches('0').trim_end_matches('.'))
}

/// A share as a percentage with one decimal: 12.5%.
pub(crate) fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(metres(812.4), "812 m");
        assert_eq!(metres(1_620.0), "1.62 km");
        assert_eq!(metres(6_000.0), "6 km");
        assert_eq!(pct(0.125), "12.5%");
        assert_eq!(
            script_json("{\"a\":\"</script>&\"}").0,
            "{\"a\":\"\\u003c/script\\u003e\\u0026\"}"
        );
    }

    #[test]
    fn stages_in_order() {
        for (i, &stage) in STAGES.iter().enumerate() {
            assert_eq!(stage_index(stage), i);
        }
    }

    #[test]
    fn shell_escapes_the_title_and_ends_with_a_newline() {
        let bytes = page("a <b> & \"c\"", html! { p { "x" } }, "note");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("<!DOCTYPE html>"));
        assert!(text.contains("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"));
        assert!(text.contains("<meta charset=\"utf-8\">"));
        assert!(text.ends_with("</html>\n"));
    }
}
