//! The balance section of the report (均衡): the coefficient of variation
//! of each indicator across a level's public schools
//! ([`crate::balance`]).

use maud::{html, Markup};

use super::table::{head, num};
use crate::balance::Balance;

/// The report's balance section: the CV table of each level.
pub fn section(balance: &Balance) -> Markup {
    let columns = [
        ("indicator", false),
        ("schools", true),
        ("mean", true),
        ("CV", true),
        ("standard", false),
    ];
    html! {
        section #balance aria-labelledby="balance-h" {
            h2 #balance-h { "Balance between schools (均衡)" }
            p {
                "Coefficient of variation across the level's public schools, pupil-weighted (CV = S / mean). \
                 The national standard for the resource indicators is CV ≤ 0.50 (primary) and ≤ 0.45 (junior)."
            }
            @for l in &balance.levels {
                table.balance {
                    caption { (l.level) }
                    (head(&columns))
                    tbody { @for c in &l.cv {
                        tr {
                            td { (c.indicator) }
                            (num(c.schools))
                            (num(format!("{:.2}", c.mean)))
                            (num(format!("{:.3}", c.cv)))
                            td { @match (c.threshold, c.pass) {
                                (Some(t), Some(true)) => { "pass (≤ " (format!("{t:.2}")) ")" }
                                (Some(t), _) => { strong { "fail" } " (> " (format!("{t:.2}")) ")" }
                                _ => { "not assessed" }
                            } }
                        }
                    } }
                }
            }
        }
    }
}
