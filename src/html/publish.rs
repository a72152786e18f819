//! The public folder's `index.html` ([`crate::publish`]): the look-up a
//! parent uses (its script, `assets/publish.js`, recomputes the tickets
//! with the browser's Web Crypto), the seed, its commitment and the
//! `sha256sum` commands, and the per-school cut-offs. It shows no map and
//! no coordinates: nothing on it locates a home.

use maud::{html, PreEscaped};

use super::table::{num, sortable_head};
use super::thousands;
use crate::output::records::SchoolRow;
use crate::publish::Publication;

/// The look-up's script, included at compile time.
const SCRIPT: &str = include_str!("assets/publish.js");

/// Renders `index.html` of the public folder.
pub fn page(p: &Publication, schools: &[SchoolRow]) -> Vec<u8> {
    let (applicants, placed, unplaced) = p.totals;
    let json = serde_json::to_string(p).unwrap_or_default();
    let id_word = if p.masked { "masked id" } else { "registration id" };
    let body = html! {
        header {
            h1 { "Admission round: public results" }
            p.lead {
                (thousands(applicants)) " applicants: " (thousands(placed)) " placed, " (thousands(unplaced))
                " without a seat. Lottery seed " code { (p.seed) } "."
            }
        }
        section #lookup-section {
            h2 { "Look up a child" }
            p {
                "Type the child's registration id. This page finds the child's outcome and computes every ticket \
                 of the child here, in this browser (SHA-256 of the seed, the draw's label and the id), without \
                 sending anything anywhere; it also works offline, from a saved copy of this folder."
                @if p.masked {
                    " Ids are published masked: the page computes the masked id from the id typed."
                }
            }
            form #lookup autocomplete="off" {
                label for="lookup-id" { "Registration id " }
                input #lookup-id type="text" name="id" size="24";
                " "
                button type="submit" { "Show" }
            }
            p #lookup-note.hint {}
            pre #lookup-words {}
        }
        section #seed {
            h2 { "Seed, commitment and how to check a ticket" }
            p { "Seed: " code { (p.seed) } }
            p { "Its SHA-256 commitment: " code { (p.seed_commitment) } }
            @if let Some(published) = &p.published_seed_commitment {
                p { "Commitment published before the draw: " code { (published) }
                    (if *published == p.seed_commitment { " (the same)" } else { " (they differ!)" }) }
            }
            p { "Anyone can recompute them with the standard " code { "sha256sum" } " command:" }
            pre { (format!(
                "SEED={}\nprintf '%s' \"$SEED\" | sha256sum                       # the commitment\nprintf '%s\\n%s\\n%s' \"$SEED\" \"$LABEL\" \"$ID\" | sha256sum  # a ticket",
                shell_quote(&p.seed)
            )) @if p.masked { (format!("\nprintf '%s\\nmask\\n%s' \"$SEED\" \"$ID\" | sha256sum | cut -c1-{}   # a masked id", crate::publish::MASK_DIGITS)) } }
            p {
                "LABEL is " code { "private:<school>" } " in the private schools' lottery, " code { "public" }
                " (or " code { "public:<school>" } " with one ticket per school) in the public stages; ID is the \
                 applicant id, or " code { "group:<id>" } " for twins and siblings drawn together. A smaller \
                 ticket is served earlier, within a priority tier. " code { "sha256sum -c SHA256SUMS" }
                " checks the files of this folder."
            }
        }
        section #cutoffs {
            h2 { "Cut-offs per school" }
            p { "A school's cut-off is the last applicant it admitted, in (priority, ticket) order; empty when it \
                 turned nobody away." }
            div.tablewrap { table.sortable {
                (sortable_head(&[
                    ("school", false), ("name", false), ("level", false), ("sector", false), ("seats", true),
                    ("applicants", true), ("admitted", true), ("vacancies", true), ("cut-off tier", true),
                    ("cut-off ticket", false),
                ]))
                tbody { @for s in schools {
                    tr {
                        td { (s.school_id) } td { (s.name) } td { (s.level.as_str()) } td { (s.sector.as_str()) }
                        (num(s.capacity)) (num(s.applicants)) (num(s.admitted)) (num(s.vacancies))
                        td.num { @if let Some(c) = s.cutoff_priority { (c) } }
                        td { @if let Some(t) = s.cutoff_ticket { code { (t.to_hex()) } } }
                    }
                } }
            } }
        }
        section #files {
            h2 { "Files" }
            ul {
                li { code { "outcomes.csv" } ": each applicant's outcome by " (id_word) "; distances rounded to 100 m." }
                li { code { "lottery.csv" } ": the lottery transcript, every draw with its label, school, " (id_word)
                     ", priority, ticket, rank and whether it was admitted." }
                li { code { "schools.csv" } ": seats, admissions and the cut-off of each school." }
                li { code { "manifest.json" } ", " code { "SHA256SUMS" } ": the seed, its commitment and the SHA-256 \
                     of every file this folder was made from and holds." }
            }
        }
        script #publish-data type="application/json" { (super::script_json(&json)) }
        script { (PreEscaped(SCRIPT)) }
    };
    super::page(
        "Admission round: public results",
        body,
        "Published by the district; no home address or coordinate is in this folder.",
    )
}

/// Quotes a string for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
