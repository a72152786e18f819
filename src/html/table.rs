//! Table helpers shared by the pages: sortable headings, number cells and
//! before → after change cells.

use maud::{html, Markup};

/// A heading row of a table the page's script can sort: `(label,
/// numeric)` per column; numeric columns sort by number and align right.
pub(crate) fn sortable_head(columns: &[(&str, bool)]) -> Markup {
    html! {
        thead { tr {
            @for &(name, numeric) in columns {
                th scope="col" aria-sort="none" data-num=[numeric.then_some("1")] class=[numeric.then_some("num")] {
                    button type="button" { (name) }
                }
            }
        } }
    }
}

/// A plain heading row: `(label, numeric)` per column.
pub(crate) fn head(columns: &[(&str, bool)]) -> Markup {
    html! {
        thead { tr {
            @for &(name, numeric) in columns {
                th scope="col" class=[numeric.then_some("num")] { (name) }
            }
        } }
    }
}

/// A right-aligned number cell.
pub(crate) fn num(value: impl maud::Render) -> Markup {
    html! { td.num { (value) } }
}

/// A change from `b` to `a` as a cell: `+3`, `−2` or `0`; green when it is
/// an improvement, red when worse (`lower_is_better`), plain when neither
/// applies.
pub(crate) fn delta_cell(b: f64, a: f64, lower_is_better: Option<bool>) -> Markup {
    let d = a - b;
    if d.abs() < 0.5 {
        return html! { td.num { "0" } };
    }
    let class = match lower_is_better {
        Some(lower) if (d < 0.0) == lower => "num down",
        Some(_) => "num up",
        None => "num",
    };
    html! { td class=(class) { (if d > 0.0 { "+" } else { "−" }) (format!("{:.0}", d.abs())) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas() {
        assert_eq!(
            delta_cell(5.0, 5.2, Some(true)).into_string(),
            "<td class=\"num\">0</td>"
        );
        assert_eq!(
            delta_cell(5.0, 3.0, Some(true)).into_string(),
            "<td class=\"num down\">−2</td>"
        );
        assert_eq!(
            delta_cell(5.0, 8.0, Some(true)).into_string(),
            "<td class=\"num up\">+3</td>"
        );
        assert_eq!(delta_cell(5.0, 8.0, None).into_string(), "<td class=\"num\">+3</td>");
    }

    #[test]
    fn headings() {
        let h = sortable_head(&[("Id", false), ("Seats", true)]).into_string();
        assert!(h.contains("<th scope=\"col\" aria-sort=\"none\"><button type=\"button\">Id</button></th>"));
        assert!(h.contains("data-num=\"1\" class=\"num\""));
    }
}
