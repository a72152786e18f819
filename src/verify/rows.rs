//! Row-by-row differences between a CSV file of a run folder and the bytes
//! the re-run gives, named by ids: which applicant (or candidate, or
//! school), at which school, in which column, on which line.
//!
//! A file's rows are matched by their key, taken from the header: the
//! applicant id in `assignments.csv`, the school id in `schools.csv`, the
//! label, school and applicant in `lottery.csv`, the candidate id in the
//! senior round's `assignments.csv`, the senior and junior school ids in
//! `quotas.csv`, and so on. A row whose key the re-run does not have is an
//! added row; a key the file lacks is a deleted row.

use std::collections::HashMap;

use csv::StringRecord;

/// The key columns of a run-folder CSV file, chosen by its first column.
fn key_columns(header: &StringRecord) -> Vec<usize> {
    let names: Vec<&str> = match header.get(0) {
        Some("label") => vec!["label", "school_id", "applicant_id"],
        Some("senior_id") => vec!["senior_id", "junior_id"],
        Some(first) => vec![first],
        None => Vec::new(),
    };
    names
        .iter()
        .filter_map(|n| header.iter().position(|c| c == *n))
        .collect()
}

/// Names a row by its ids, e.g. `applicant p00042 (school 7405)` or
/// `applicant p00042 at school 7405 (label public)`.
fn who(header: &StringRecord, row: &StringRecord) -> String {
    let cell = |name: &str| {
        header
            .iter()
            .position(|c| c == name)
            .and_then(|i| row.get(i))
            .unwrap_or_default()
    };
    let with_school = |what: &str, id: &str, school: &str| match school {
        "" => format!("{what} {id}"),
        s => format!("{what} {id} (school {s})"),
    };
    match header.get(0).unwrap_or_default() {
        "label" => match cell("school_id") {
            "" => format!(
                "applicant {} in the district order (label {})",
                cell("applicant_id"),
                cell("label")
            ),
            s => format!(
                "applicant {} at school {s} (label {})",
                cell("applicant_id"),
                cell("label")
            ),
        },
        "applicant_id" => with_school("applicant", cell("applicant_id"), cell("school_id")),
        "candidate_id" => with_school("candidate", cell("candidate_id"), cell("senior_school")),
        "school_id" => format!("school {}", cell("school_id")),
        "senior_id" if header.iter().any(|c| c == "junior_id") => {
            format!(
                "senior school {}, junior school {}",
                cell("senior_id"),
                cell("junior_id")
            )
        }
        "senior_id" => format!("senior school {}", cell("senior_id")),
        "junior_id" => format!("junior school {}", cell("junior_id")),
        first => format!("{first} {}", cell(first)),
    }
}

/// A cell as a difference shows it: quoted, or `(empty)`.
fn shown(cell: &str) -> String {
    if cell.is_empty() {
        "(empty)".to_string()
    } else {
        format!("{cell:?}")
    }
}

/// Reads a CSV text: its header and its rows with their line numbers.
fn read(bytes: &[u8]) -> Option<(StringRecord, Vec<(u64, StringRecord)>)> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader.headers().ok()?.clone();
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row.ok()?;
        let line = row.position().map_or(0, csv::Position::line);
        rows.push((line, row));
    }
    Some((header, rows))
}

/// Every row of `disk` that differs from `fresh` (the re-run's bytes of
/// the same file), one message per row naming its ids, line and columns;
/// in the order of the file on disk, then the rows it lacks. Empty when
/// the two texts hold the same rows (or either cannot be read as CSV,
/// which the readers of the run folder report on their own).
pub fn differences(file: &str, disk: &[u8], fresh: &[u8]) -> Vec<String> {
    let (Some((header, disk_rows)), Some((fresh_header, fresh_rows))) = (read(disk), read(fresh)) else {
        return Vec::new();
    };
    if header != fresh_header {
        let found: Vec<&str> = header.iter().collect();
        let want: Vec<&str> = fresh_header.iter().collect();
        return vec![format!("{file}:1: header {found:?}, the re-run writes {want:?}")];
    }
    let keys = key_columns(&header);
    let key_of = |row: &StringRecord| -> Vec<String> {
        keys.iter()
            .map(|&i| row.get(i).unwrap_or_default().to_string())
            .collect()
    };
    let mut fresh_by_key: HashMap<Vec<String>, (u64, &StringRecord, bool)> = HashMap::with_capacity(fresh_rows.len());
    for (line, row) in &fresh_rows {
        fresh_by_key.entry(key_of(row)).or_insert((*line, row, false));
    }
    let mut out = Vec::new();
    for (line, row) in &disk_rows {
        let Some((_, fresh_row, seen)) = fresh_by_key.get_mut(&key_of(row)) else {
            out.push(format!(
                "{file}:{line}: {}: added row; the re-run has no such row",
                who(&header, row)
            ));
            continue;
        };
        if *seen {
            out.push(format!(
                "{file}:{line}: {}: a second row with the same ids",
                who(&header, row)
            ));
            continue;
        }
        *seen = true;
        let changed: Vec<String> = header
            .iter()
            .enumerate()
            .filter_map(|(i, column)| {
                let (mine, theirs) = (row.get(i).unwrap_or_default(), fresh_row.get(i).unwrap_or_default());
                (mine != theirs).then(|| format!("{column} is {}, the re-run gives {}", shown(mine), shown(theirs)))
            })
            .collect();
        if !changed.is_empty() {
            out.push(format!(
                "{file}:{line}: {}: {}",
                who(&header, fresh_row),
                changed.join("; ")
            ));
        }
    }
    for (line, row) in &fresh_rows {
        if fresh_by_key
            .get(&key_of(row))
            .is_some_and(|(first, _, seen)| !seen && first == line)
        {
            out.push(format!(
                "{file}: {}: row missing (the re-run writes it on line {line})",
                who(&header, row)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "applicant_id,level,school_id,stage,ticket,class_no\n";

    fn file(rows: &[&str]) -> Vec<u8> {
        let mut text = HEADER.to_string();
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        text.into_bytes()
    }

    #[test]
    fn same_rows_give_nothing() {
        let a = file(&["a1,primary,S1,zone,ab,1", "a2,primary,,unplaced,cd,"]);
        assert!(differences("assignments.csv", &a, &a).is_empty());
    }

    #[test]
    fn a_moved_pupil_is_named_with_both_schools() {
        let fresh = file(&["a1,primary,S1,zone,ab,1", "a2,primary,S2,zone,cd,1"]);
        let disk = file(&["a1,primary,S1,zone,ab,1", "a2,primary,S1,zone,cd,1"]);
        assert_eq!(
            differences("assignments.csv", &disk, &fresh),
            [r#"assignments.csv:3: applicant a2 (school S2): school_id is "S1", the re-run gives "S2""#]
        );
    }

    #[test]
    fn added_deleted_and_repeated_rows_are_named() {
        let fresh = file(&["a1,primary,S1,zone,ab,1", "a2,primary,,unplaced,cd,"]);
        let disk = file(&[
            "a1,primary,S1,zone,ab,2",
            "a1,primary,S1,zone,ab,1",
            "a9,primary,S1,zone,ef,1",
        ]);
        assert_eq!(
            differences("assignments.csv", &disk, &fresh),
            [
                r#"assignments.csv:2: applicant a1 (school S1): class_no is "2", the re-run gives "1""#,
                "assignments.csv:3: applicant a1 (school S1): a second row with the same ids",
                "assignments.csv:4: applicant a9 (school S1): added row; the re-run has no such row",
                "assignments.csv: applicant a2: row missing (the re-run writes it on line 3)",
            ]
        );
    }

    #[test]
    fn lottery_rows_are_keyed_by_label_school_and_applicant() {
        let fresh = b"label,school_id,applicant_id,rank\npublic,S1,a1,1\npublic,,a1,4\n";
        let disk = b"label,school_id,applicant_id,rank\npublic,S1,a1,1\npublic,,a1,3\n";
        assert_eq!(
            differences("lottery.csv", disk, fresh),
            [r#"lottery.csv:3: applicant a1 in the district order (label public): rank is "3", the re-run gives "4""#]
        );
    }

    #[test]
    fn a_changed_header_is_one_difference() {
        let fresh = file(&["a1,primary,S1,zone,ab,1"]);
        let disk = b"applicant,level\na1,primary\n";
        let d = differences("assignments.csv", disk, &fresh);
        assert_eq!(d.len(), 1);
        assert!(d[0].starts_with("assignments.csv:1: header"), "{d:?}");
    }
}
