//! Excel and GIS in and out (issue 15): the demo district written as
//! workbooks, as a shapefile, and in projected coordinate systems gives the
//! same `assignments.csv` byte for byte; the Excel and GIS outputs say what
//! the CSVs say; bad workbooks and shapefiles are reported with file,
//! sheet/record and field, and nothing is written.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use catchment::crs::epsg::Projection;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;
use shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
use shapefile::{Point, Polygon, PolygonRing};

mod common;
use common::{catchment, demo, text};

/// The scenario files of the demo.
const FILES: [&str; 4] = ["schools.csv", "applicants.csv", "zones.geojson", "policy.toml"];

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Copies the demo to `dst`, every coordinate (points and zones) mapped by `f`.
fn transformed_demo(dst: &Path, f: &dyn Fn(f64, f64) -> (f64, f64)) {
    std::fs::create_dir_all(dst).unwrap();
    for name in ["schools.csv", "applicants.csv"] {
        let mut reader = csv::Reader::from_path(demo().join(name)).unwrap();
        let header = reader.headers().unwrap().clone();
        let (lon, lat) = (
            header.iter().position(|h| h == "lon").unwrap(),
            header.iter().position(|h| h == "lat").unwrap(),
        );
        let mut w = csv::Writer::from_path(dst.join(name)).unwrap();
        w.write_record(&header).unwrap();
        for row in reader.records() {
            let mut row: Vec<String> = row.unwrap().iter().map(str::to_string).collect();
            let (x, y) = f(row[lon].parse().unwrap(), row[lat].parse().unwrap());
            (row[lon], row[lat]) = (x.to_string(), y.to_string());
            w.write_record(&row).unwrap();
        }
        w.flush().unwrap();
    }
    let mut zones: Value = serde_json::from_slice(&std::fs::read(demo().join("zones.geojson")).unwrap()).unwrap();
    for feature in zones["features"].as_array_mut().unwrap() {
        map_positions(&mut feature["geometry"]["coordinates"], f);
    }
    std::fs::write(dst.join("zones.geojson"), serde_json::to_vec(&zones).unwrap()).unwrap();
    std::fs::copy(demo().join("policy.toml"), dst.join("policy.toml")).unwrap();
}

fn map_positions(v: &mut Value, f: &dyn Fn(f64, f64) -> (f64, f64)) {
    let Some(items) = v.as_array_mut() else { return };
    if items.first().is_some_and(Value::is_number) {
        let (x, y) = f(items[0].as_f64().unwrap(), items[1].as_f64().unwrap());
        *v = serde_json::json!([x, y]);
        return;
    }
    for item in items {
        map_positions(item, f);
    }
}

/// The demo moved into EPSG:4547's band (CM 114°E, southern China): the
/// same layout, shifted by whole degrees.
fn shifted(lon: f64, lat: f64) -> (f64, f64) {
    (lon - 37.0, lat + 56.5)
}

/// Runs `catchment [pre] run DIR --out OUT [post]`; the run folder.
fn run(dir: &Path, out: &Path, pre: &[&str], post: &[&str]) -> PathBuf {
    let mut args: Vec<&str> = pre.to_vec();
    args.extend(["run", path(dir), "--out", path(out)]);
    args.extend(post);
    let o = catchment(&args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    out.to_path_buf()
}

fn assignments(run: &Path) -> String {
    String::from_utf8(std::fs::read(run.join("assignments.csv")).unwrap()).unwrap()
}

/// A workbook with the CSV's rows: numeric columns as numbers, the
/// schools' `id` as numbers too (as an officer's sheet often has them),
/// everything else as text.
fn csv_to_xlsx(csv_path: &Path, xlsx_path: &Path, sheet: &str) {
    const NUMERIC: [&str; 9] = [
        "lon",
        "lat",
        "classes",
        "class_cap",
        "reserved",
        "priority",
        "teachers",
        "floor_area_m2",
        "equipment_value",
    ];
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let header = reader.headers().unwrap().clone();
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let numeric_ids = csv_path.ends_with("schools.csv");
    for (r, row) in reader.records().enumerate() {
        for (c, cell) in row.unwrap().iter().enumerate() {
            let (row, col) = (r as u32 + 1, c as u16);
            let name = &header[c];
            match cell.parse::<f64>() {
                _ if cell.is_empty() => {}
                Ok(v) if NUMERIC.contains(&name) || (numeric_ids && name == "id") => {
                    ws.write_number(row, col, v).unwrap();
                }
                _ => {
                    ws.write_string(row, col, cell).unwrap();
                }
            }
        }
    }
    book.save(xlsx_path).unwrap();
}

/// Writes the zones of a GeoJSON file as a shapefile (`shp` and its
/// `.shx`, `.dbf`), `schools` as one string joined with `sep`, the table
/// in GBK when `gbk`.
fn geojson_to_shapefile(geojson: &Path, shp: &Path, sep: &str, gbk: bool) {
    let doc: Value = serde_json::from_slice(&std::fs::read(geojson).unwrap()).unwrap();
    let mut builder = TableWriterBuilder::new()
        .add_character_field("ID".try_into().unwrap(), 40)
        .add_character_field("LEVEL".try_into().unwrap(), 10)
        .add_character_field("SCHOOLS".try_into().unwrap(), 200);
    if gbk {
        builder = builder.set_encoding(shapefile::dbase::encoding::EncodingRs::from(encoding_rs::GB18030));
    }
    let mut writer = shapefile::Writer::from_path(shp, builder).unwrap();
    for f in doc["features"].as_array().unwrap() {
        let props = &f["properties"];
        let geometry = &f["geometry"];
        let polygons: Vec<Value> = match geometry["type"].as_str().unwrap() {
            "Polygon" => vec![geometry["coordinates"].clone()],
            _ => geometry["coordinates"].as_array().unwrap().clone(),
        };
        let mut rings = Vec::new();
        for polygon in &polygons {
            for (i, ring) in polygon.as_array().unwrap().iter().enumerate() {
                let points: Vec<Point> = ring
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| Point::new(p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                    .collect();
                rings.push(if i == 0 {
                    PolygonRing::Outer(points)
                } else {
                    PolygonRing::Inner(points)
                });
            }
        }
        let schools: Vec<&str> = props["schools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let mut record = Record::default();
        record.insert(
            "ID".into(),
            FieldValue::Character(Some(props["id"].as_str().unwrap().into())),
        );
        record.insert(
            "LEVEL".into(),
            FieldValue::Character(Some(props["level"].as_str().unwrap().into())),
        );
        record.insert("SCHOOLS".into(), FieldValue::Character(Some(schools.join(sep))));
        writer
            .write_shape_and_record(&Polygon::with_rings(rings), &record)
            .unwrap();
    }
}

/// The projected demo: points and zones of `base` (a WGS84 folder)
/// projected with EPSG `code`, written to `dst`.
fn projected_demo(base_shift: bool, code: u32, dst: &Path) {
    let p = Projection::new(code).unwrap();
    transformed_demo(dst, &|lon, lat| {
        let (lon, lat) = if base_shift { shifted(lon, lat) } else { (lon, lat) };
        p.from_wgs84(lon, lat).unwrap()
    });
}

#[test]
fn the_demo_as_workbooks_gives_the_same_assignments() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = assignments(&run(&demo(), &tmp.path().join("csv"), &[], &[]));
    let dir = tmp.path().join("xlsx");
    std::fs::create_dir_all(&dir).unwrap();
    csv_to_xlsx(&demo().join("schools.csv"), &dir.join("schools.xlsx"), "学校");
    csv_to_xlsx(&demo().join("applicants.csv"), &dir.join("applicants.xlsx"), "学校");
    for name in ["zones.geojson", "policy.toml"] {
        std::fs::copy(demo().join(name), dir.join(name)).unwrap();
    }
    let out = run(&dir, &tmp.path().join("run-xlsx"), &[], &[]);
    assert_eq!(assignments(&out), baseline);
    // The ids typed as numbers are read as their digits, with a warning.
    let o = catchment(["check", path(&dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("schools.xlsx:学校:2: warning: id is typed as a number in 17 cell(s)"),
        "{stderr}"
    );
    // Every problem names the workbook, never the CSV it stands in for.
    assert!(
        !stderr.contains("applicants.csv") && !stderr.contains("schools.csv"),
        "{stderr}"
    );
    assert!(
        stderr.contains("applicants.xlsx:学校:2: warning: 1978 primary applicant(s)"),
        "{stderr}"
    );
    // The manifest hashes the workbooks, and verify agrees.
    let manifest: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["inputs"]["schools.xlsx"].is_string(), "{manifest}");
    assert!(manifest["inputs"].get("schools.csv").is_none());
    let o = catchment(["verify", path(&dir), path(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // --sheet names the sheet; a sheet that is not there is an error.
    run(&dir, &tmp.path().join("run-sheet"), &["--sheet", "学校"], &[]);
    let o = catchment(["--sheet", "Sheet9", "check", path(&dir)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("schools.xlsx: error: has no sheet \"Sheet9\" (--sheet); its sheets are \"学校\""),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn the_demo_as_a_shapefile_gives_the_same_assignments() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = assignments(&run(&demo(), &tmp.path().join("csv"), &[], &[]));
    for (case, sep, gbk, cpg) in [
        ("utf8", ";", false, None),
        ("gbk", "、", true, Some("GBK")),
        ("comma", ",", false, Some("UTF-8")),
    ] {
        let dir = tmp.path().join(case);
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["schools.csv", "applicants.csv", "policy.toml"] {
            std::fs::copy(demo().join(name), dir.join(name)).unwrap();
        }
        geojson_to_shapefile(&demo().join("zones.geojson"), &dir.join("zones.shp"), sep, gbk);
        if let Some(cpg) = cpg {
            std::fs::write(dir.join("zones.cpg"), cpg).unwrap();
        }
        std::fs::write(
            dir.join("zones.prj"),
            r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
        )
        .unwrap();
        let out = run(&dir, &tmp.path().join(format!("run-{case}")), &[], &[]);
        assert_eq!(assignments(&out), baseline, "{case}");
        let o = catchment(["verify", path(&dir), path(&out)]);
        assert_eq!(o.status.code(), Some(0), "{case}: {}", text(&o.stderr));
    }
    // Without its .cpg, a GBK table is read as UTF-8 unless --encoding gbk.
    let dir = tmp.path().join("gbk");
    std::fs::remove_file(dir.join("zones.cpg")).unwrap();
    let o = catchment(["check", path(&dir)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = run(&dir, &tmp.path().join("run-gbk-flag"), &["--encoding", "gbk"], &[]);
    assert_eq!(assignments(&out), baseline);
}

#[test]
fn the_demo_in_projected_systems_gives_the_same_assignments() {
    let tmp = tempfile::tempdir().unwrap();
    // EPSG:4547 covers 112.5–115.5°E in China: the demo shifted there.
    let shifted_dir = tmp.path().join("shifted");
    transformed_demo(&shifted_dir, &shifted);
    let shifted_baseline = assignments(&run(&shifted_dir, &tmp.path().join("run-shifted"), &[], &[]));
    let baseline = assignments(&run(&demo(), &tmp.path().join("csv"), &[], &[]));
    assert_ne!(shifted_baseline, baseline, "the shift changes distances");
    for (code, shift) in [(4547, true), (4526, true), (3857, false), (32756, false)] {
        let dir = tmp.path().join(format!("epsg{code}"));
        projected_demo(shift, code, &dir);
        let crs = format!("EPSG:{code}");
        let out = run(&dir, &tmp.path().join(format!("run-{code}")), &["--crs", &crs], &[]);
        let want = if shift { &shifted_baseline } else { &baseline };
        assert!(assignments(&out) == *want, "EPSG:{code}: assignments.csv differs");
        let manifest: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["read_as"]["crs"], crs.as_str());
        let o = catchment(["--crs", &crs, "verify", path(&dir), path(&out)]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        // policy.toml's crs says the same as the flag.
        let policy = std::fs::read_to_string(dir.join("policy.toml")).unwrap();
        std::fs::write(dir.join("policy.toml"), format!("crs = \"{crs}\"\n{policy}")).unwrap();
        let out = run(&dir, &tmp.path().join(format!("run-{code}-policy")), &[], &[]);
        assert!(assignments(&out) == *want, "EPSG:{code} from policy.toml");
    }
    // Zones as a Gauss–Krüger shapefile whose .prj names the system, with
    // the points in WGS84: the .prj converts the zones alone.
    let dir = tmp.path().join("gk-shapefile");
    projected_demo(true, 4547, &tmp.path().join("gk-source"));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["schools.csv", "applicants.csv", "policy.toml"] {
        std::fs::copy(shifted_dir.join(name), dir.join(name)).unwrap();
    }
    geojson_to_shapefile(
        &tmp.path().join("gk-source/zones.geojson"),
        &dir.join("zones.shp"),
        ";",
        false,
    );
    std::fs::write(
        dir.join("zones.prj"),
        r#"PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#,
    )
    .unwrap();
    let out = run(&dir, &tmp.path().join("run-gk-shp"), &[], &[]);
    assert!(assignments(&out) == shifted_baseline, "GK shapefile zones");
}

/// Cells of a sheet as text: numbers in the CSV's form for the column.
fn sheet_rows(book: &mut Xlsx<std::io::Cursor<Vec<u8>>>, name: &str, header: &[String]) -> Vec<Vec<String>> {
    let range = book.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|cells| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if header[i] == "distance_m" => format!("{f:.1}"),
                    Data::Float(f) => f.to_string(),
                    other => panic!("{name}: unexpected cell {other:?}"),
                })
                .collect()
        })
        .collect()
}

#[test]
fn excel_outputs_read_back_equal_the_csv_and_the_gis_outputs_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(
        &demo(),
        &tmp.path().join("run"),
        &[],
        &["--xlsx", "--lines", "--csv-bom"],
    );
    for (book, table) in [("assignments.xlsx", "assignments.csv"), ("schools.xlsx", "schools.csv")] {
        let csv_bytes = std::fs::read(out.join(table)).unwrap();
        assert!(csv_bytes.starts_with(b"\xEF\xBB\xBF"), "{table} has the BOM");
        let mut reader = csv::Reader::from_reader(&csv_bytes[3..]);
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
        let level = header.iter().position(|h| h == "level").unwrap();
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        let mut wb = Xlsx::new(std::io::Cursor::new(std::fs::read(out.join(book)).unwrap())).unwrap();
        assert_eq!(wb.sheet_names(), vec!["primary", "junior"]);
        for sheet in ["primary", "junior"] {
            let got = sheet_rows(&mut wb, sheet, &header);
            assert_eq!(got[0], header, "{book}:{sheet} header");
            let want: Vec<&Vec<String>> = rows.iter().filter(|r| r[level] == sheet).collect();
            assert!(!want.is_empty());
            assert_eq!(got.len() - 1, want.len(), "{book}:{sheet} rows");
            for (g, w) in got[1..].iter().zip(want) {
                // A row's trailing empty cells are not in the sheet's range.
                let mut g = g.clone();
                g.resize(w.len(), String::new());
                assert_eq!(&g, w, "{book}:{sheet}");
            }
        }
    }
    // schools.csv has the coordinates; schools.geojson the same rows.
    let schools_csv = String::from_utf8(std::fs::read(out.join("schools.csv")).unwrap()).unwrap();
    assert!(schools_csv.starts_with("\u{feff}school_id,name,level,sector,lon,lat,classes,"));
    assert!(schools_csv.contains("\n1124,Bankstown North Public School,primary,public,151.038043,-33.904888,3,"));
    let geo: Value = serde_json::from_slice(&std::fs::read(out.join("schools.geojson")).unwrap()).unwrap();
    assert_eq!(
        geo["features"].as_array().unwrap().len(),
        schools_csv.lines().count() - 1
    );
    let homes: Value = serde_json::from_slice(&std::fs::read(out.join("assignments.geojson")).unwrap()).unwrap();
    let first = &homes["features"][0]["properties"];
    for key in [
        "applicant_id",
        "level",
        "school_id",
        "school_name",
        "zone_id",
        "stage",
        "distance_m",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    let lines: Value = serde_json::from_slice(&std::fs::read(out.join("assignment_lines.geojson")).unwrap()).unwrap();
    assert_eq!(lines["features"][0]["geometry"]["type"], "LineString");
    // The manifest lists every file and the options; verify re-renders them.
    let manifest: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    for f in [
        "assignments.xlsx",
        "schools.xlsx",
        "assignment_lines.geojson",
        "schools.geojson",
    ] {
        assert!(manifest["outputs"][f].is_string(), "{f}");
    }
    assert_eq!(
        manifest["written_as"],
        serde_json::json!({"csv_bom": true, "xlsx": true, "lines": true})
    );
    let o = catchment(["verify", path(&demo()), path(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = catchment(["explain", path(&out), "--applicant", "p00001"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The same run twice: byte-identical workbooks.
    let again = run(
        &demo(),
        &tmp.path().join("again"),
        &[],
        &["--xlsx", "--lines", "--csv-bom"],
    );
    for f in ["assignments.xlsx", "schools.xlsx"] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
    // A tampered workbook fails verify.
    std::fs::write(out.join("schools.xlsx"), b"not a workbook").unwrap();
    let o = catchment(["verify", path(&demo()), path(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("schools.xlsx: file on disk"),
        "{}",
        text(&o.stderr)
    );
}

/// A bad-input case: a scenario folder built from the demo by `make`,
/// the flags, and the message `check` must print.
struct Case {
    name: &'static str,
    flags: &'static [&'static str],
    make: fn(&Path),
    expected: &'static str,
}

fn copy_demo(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for name in FILES {
        std::fs::copy(demo().join(name), dir.join(name)).unwrap();
    }
}

fn with_applicants_xlsx(dir: &Path, edit: fn(&mut Workbook)) {
    copy_demo(dir);
    std::fs::remove_file(dir.join("applicants.csv")).unwrap();
    let mut book = Workbook::new();
    edit(&mut book);
    book.save(dir.join("applicants.xlsx")).unwrap();
}

fn with_shapefile(dir: &Path) {
    copy_demo(dir);
    std::fs::remove_file(dir.join("zones.geojson")).unwrap();
    geojson_to_shapefile(&demo().join("zones.geojson"), &dir.join("zones.shp"), ";", false);
}

const HEADER: [&str; 4] = ["id", "level", "lon", "lat"];

const CASES: &[Case] = &[
    Case {
        name: "xlsx_merged_header",
        flags: &[],
        make: |dir| {
            with_applicants_xlsx(dir, |book| {
                let ws = book.add_worksheet();
                ws.merge_range(0, 0, 0, 1, "id", &Format::new()).unwrap();
                ws.write_string(0, 2, "lon").unwrap();
                ws.write_string(0, 3, "lat").unwrap();
            })
        },
        expected: "applicants.xlsx:Sheet1:1: error: merged cells A1:B1 in the header row; each column needs its own header cell",
    },
    Case {
        name: "xlsx_empty_sheet",
        flags: &[],
        make: |dir| {
            with_applicants_xlsx(dir, |book| {
                book.add_worksheet();
            })
        },
        expected: "applicants.xlsx:Sheet1: error: sheet is empty; expected a header row",
    },
    Case {
        name: "xlsx_date_in_numeric_column",
        flags: &[],
        make: |dir| {
            with_applicants_xlsx(dir, |book| {
                let ws = book.add_worksheet();
                for (c, h) in HEADER.iter().enumerate() {
                    ws.write_string(0, c as u16, *h).unwrap();
                }
                ws.write_string(1, 0, "a1").unwrap();
                ws.write_string(1, 1, "primary").unwrap();
                ws.write_number(1, 2, 151.03).unwrap();
                let date = ExcelDateTime::from_ymd(2024, 1, 5).unwrap();
                ws.write_datetime_with_format(1, 3, &date, &Format::new().set_num_format("yyyy-mm-dd"))
                    .unwrap();
            })
        },
        expected: "applicants.xlsx:Sheet1:2: error: lat is a date or time cell (2024-01-05",
    },
    Case {
        name: "xlsx_password_protected",
        flags: &[],
        make: |dir| {
            copy_demo(dir);
            std::fs::remove_file(dir.join("applicants.csv")).unwrap();
            // An encrypted workbook is an OLE compound file, not a zip.
            let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
            bytes.resize(4096, 0);
            std::fs::write(dir.join("applicants.xlsx"), bytes).unwrap();
        },
        expected: "applicants.xlsx: error: is password-protected (encrypted) or an Excel 97–2003 .xls file",
    },
    Case {
        name: "xlsx_out_of_range_lat",
        flags: &[],
        make: |dir| {
            with_applicants_xlsx(dir, |book| {
                let ws = book.add_worksheet();
                for (c, h) in HEADER.iter().enumerate() {
                    ws.write_string(0, c as u16, *h).unwrap();
                }
                for r in 1..118u32 {
                    ws.write_string(r, 0, format!("a{r}")).unwrap();
                    ws.write_string(r, 1, "primary").unwrap();
                    ws.write_number(r, 2, 151.03).unwrap();
                    ws.write_number(r, 3, if r == 117 { 91.2 } else { -33.9 }).unwrap();
                }
            })
        },
        expected: "applicants.xlsx:Sheet1:118: error: lat 91.2 is out of range [-90, 90]",
    },
    Case {
        name: "shapefile_without_dbf",
        flags: &[],
        make: |dir| {
            with_shapefile(dir);
            std::fs::remove_file(dir.join("zones.dbf")).unwrap();
        },
        expected: "zones.dbf: error: file is missing; a shapefile needs its .shp, .shx and .dbf side by side",
    },
    Case {
        name: "shapefile_without_shx",
        flags: &[],
        make: |dir| {
            with_shapefile(dir);
            std::fs::remove_file(dir.join("zones.shx")).unwrap();
        },
        expected: "zones.shx: error: file is missing; a shapefile needs its .shp, .shx and .dbf side by side",
    },
    Case {
        name: "shapefile_prj_unsupported",
        flags: &[],
        make: |dir| {
            with_shapefile(dir);
            std::fs::write(
                dir.join("zones.prj"),
                r#"PROJCS["Xian_1980_3_Degree_GK_CM_114E",GEOGCS["GCS_Xian_1980"],PROJECTION["Gauss_Kruger"]]"#,
            )
            .unwrap();
        },
        expected: "zones.prj: error: names coordinate system \"Xian_1980_3_Degree_GK_CM_114E\", which catchment cannot convert",
    },
    Case {
        name: "shapefile_unknown_school",
        flags: &[],
        make: |dir| {
            with_shapefile(dir);
            let mut dbf = std::fs::read(dir.join("zones.dbf")).unwrap();
            let at = dbf.windows(14).position(|w| w == b"7405;1124;3869").unwrap();
            dbf[at + 10..at + 14].copy_from_slice(b"9999");
            std::fs::write(dir.join("zones.dbf"), dbf).unwrap();
        },
        expected: "zones.shp: feature 0 (id \"P-bankstown\"): error: properties.schools names school \"9999\", which is not in schools.csv",
    },
    Case {
        name: "projected_point_outside_area",
        flags: &["--crs", "EPSG:4547"],
        make: |dir| {
            std::fs::create_dir_all(dir).unwrap();
            projected_demo(true, 4547, dir);
            let csv = std::fs::read_to_string(dir.join("applicants.csv")).unwrap();
            let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
            // Line 2: x 900 km east of the false origin (about 118°E).
            let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
            cells[2] = "900000".to_string();
            lines[1] = cells.join(",");
            std::fs::write(dir.join("applicants.csv"), lines.join("\n") + "\n").unwrap();
        },
        expected: "applicants.csv:2: error: lon, lat (900000, ",
    },
    Case {
        name: "projected_zone_outside_area",
        flags: &["--crs", "EPSG:4547"],
        make: |dir| {
            std::fs::create_dir_all(dir).unwrap();
            projected_demo(false, 3857, dir); // Web Mercator metres read as GK
        },
        expected: "zones.geojson: feature 0 (id \"P-bankstown\"): error: polygon 0 ring 0 position 0 (",
    },
    Case {
        name: "projected_without_crs",
        flags: &[],
        make: |dir| {
            std::fs::create_dir_all(dir).unwrap();
            projected_demo(true, 4547, dir);
        },
        expected: "schools.csv:2: error: lon ",
    },
];

#[test]
fn bad_workbooks_shapefiles_and_coordinates_are_reported_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    for case in CASES {
        let dir = tmp.path().join(case.name);
        (case.make)(&dir);
        let mut args: Vec<&str> = case.flags.to_vec();
        args.extend(["check", path(&dir)]);
        let o = catchment(&args);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{}: {stderr}", case.name);
        assert!(
            stderr.contains(case.expected),
            "{}: expected {:?} in\n{stderr}",
            case.name,
            case.expected
        );
        let out = tmp.path().join(format!("{}-out", case.name));
        let mut args: Vec<&str> = case.flags.to_vec();
        args.extend(["run", path(&dir), "--out", path(&out)]);
        let o = catchment(&args);
        assert_eq!(o.status.code(), Some(1), "{}: run: {}", case.name, text(&o.stderr));
        assert!(!out.exists(), "{}: run wrote {}", case.name, out.display());
    }
    // The hints: metres without --crs, and the area of use.
    let o = catchment(["check", path(&tmp.path().join("projected_without_crs"))]);
    assert!(text(&o.stderr).contains("these look like projected metres, not lon/lat; pass --crs EPSG:…"));
    let o = catchment([
        "--crs",
        "EPSG:4547",
        "check",
        path(&tmp.path().join("projected_point_outside_area")),
    ]);
    assert!(text(&o.stderr).contains("is outside the area of use of EPSG:4547"));
    // An unsupported --crs is a usage error naming what is supported.
    let o = catchment(["--crs", "EPSG:2385", "check", path(&demo())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("EPSG:2385 is not a supported coordinate system"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn zone_schools_as_one_string_in_geojson() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = assignments(&run(&demo(), &tmp.path().join("csv"), &[], &[]));
    let dir = tmp.path().join("strings");
    copy_demo(&dir);
    let mut zones: Value = serde_json::from_slice(&std::fs::read(demo().join("zones.geojson")).unwrap()).unwrap();
    let seps = [";", ",", "、", "; "];
    for (i, f) in zones["features"].as_array_mut().unwrap().iter_mut().enumerate() {
        let list: Vec<String> = f["properties"]["schools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        f["properties"]["schools"] = Value::String(list.join(seps[i % seps.len()]));
    }
    std::fs::write(dir.join("zones.geojson"), serde_json::to_vec(&zones).unwrap()).unwrap();
    let out = run(&dir, &tmp.path().join("run"), &[], &[]);
    assert_eq!(assignments(&out), baseline);
}
