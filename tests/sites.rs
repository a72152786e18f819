//! `catchment sites`: the proven optimum on the demo against brute force
//! over every K-subset, the search against brute force and against a
//! mixed-integer model and its LP relaxation (good_lp) on random small
//! instances, the output folder (its `scenario/` runs and compares at
//! once), independence from row order, and bad input.

mod common;

use std::path::{Path, PathBuf};

use good_lp::{constraint, microlp, variable, Expression, ProblemVariables, Solution as _, SolverModel, Variable};
use proptest::prelude::*;

use catchment::distance::haversine;
use catchment::scenario::{self, Level, LoadOptions, Sector};
use catchment::sites::model::SiteModel;
use catchment::sites::search::{seat_weight, solve, Evaluate, Limits, Problem, Role, Value};
use catchment::sites::{self, Decision, SitesOptions};

use common::{catchment, demo, text};

fn candidates_file() -> PathBuf {
    demo().join("candidates.csv")
}

/// Every `k`-subset of `0..n`, in lexicographic order.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    if n < k {
        return Vec::new();
    }
    let mut out = subsets(n - 1, k);
    for mut s in subsets(n - 1, k - 1) {
        s.push(n - 1);
        out.push(s);
    }
    out
}

/// The demo, `--open 2`, both levels: the plan is proven optimal and equal
/// to the best of every pair of candidates, each evaluated by the flow on
/// a model built here from the files (public applicants after the private
/// lottery, public schools of the level, candidates of the level).
#[test]
fn demo_optimum_equals_brute_force_over_every_pair() {
    let sc = scenario::load(&demo(), &LoadOptions::default()).unwrap();
    let cands = sites::candidates::load(&candidates_file(), &sc).unwrap();
    let options = SitesOptions {
        open: 2,
        close: 0,
        level: None,
        limits: Limits::default(),
    };
    let plan = sites::plan(&sc, &cands, &options).unwrap();
    assert_eq!(plan.levels.len(), 2);
    let public = sites::public_applicants(&sc);
    for lp in &plan.levels {
        assert!(lp.proven_optimal, "{:?} not proven", lp.level);
        assert_eq!(lp.gap, 0.0);
        let homes: Vec<(f64, f64)> = public
            .iter()
            .map(|&a| sc.applicant(a))
            .filter(|a| a.level == lp.level)
            .map(|a| (a.lon, a.lat))
            .collect();
        let schools: Vec<_> = sc
            .schools
            .iter()
            .filter(|s| s.level == lp.level && s.sector == Sector::Public)
            .collect();
        let cs: Vec<_> = cands.sites.iter().filter(|c| c.level == lp.level).collect();
        let mut points: Vec<(f64, f64)> = schools.iter().map(|s| (s.lon, s.lat)).collect();
        points.extend(cs.iter().map(|c| (c.lon, c.lat)));
        let mut seats: Vec<u32> = schools.iter().map(|s| s.capacity).collect();
        seats.extend(cs.iter().map(|c| c.seats));
        let model = SiteModel::new(
            homes.clone(),
            points,
            seats,
            sc.policy.max_distance_m.unwrap_or(f64::INFINITY),
        );
        let w = seat_weight(homes.len());
        let mut best: Option<(Value, f64, Vec<usize>)> = None;
        for pair in subsets(cs.len(), 2) {
            let mut open = vec![true; schools.len()];
            open.extend((0..cs.len()).map(|c| pair.contains(&c)));
            let s = model.seat(&open);
            if best.as_ref().is_none_or(|b| s.value.score(w) > b.0.score(w)) {
                best = Some((s.value, s.total_m, pair));
            }
        }
        let (value, total_m, pair) = best.unwrap();
        assert_eq!(lp.chosen.seated, value.seated, "{:?}", lp.level);
        assert!(
            (lp.chosen.total_distance_m - total_m).abs() <= 0.001 * homes.len() as f64,
            "{:?}: {} vs brute force {total_m} ({pair:?})",
            lp.level,
            lp.chosen.total_distance_m
        );
        let opened = lp.sites.iter().filter(|s| s.decision == Decision::Open).count();
        assert_eq!(opened, 2);
        // Pupils add up to the seated, and no site is over its seats.
        assert_eq!(
            lp.sites.iter().map(|s| s.pupils as usize).sum::<usize>(),
            lp.chosen.seated
        );
        assert!(lp.sites.iter().all(|s| s.pupils <= s.seats));
        assert!(lp
            .sites
            .iter()
            .all(|s| s.decision != Decision::NotOpened || s.pupils == 0));
    }
}

fn run_ok(args: &[&str]) -> String {
    let o = catchment(args);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A copy of the demo with a `closable` column: 1 for the listed schools.
fn demo_with_closable(dir: &Path, closable: &[&str]) -> PathBuf {
    let to = dir.join("scenario");
    std::fs::create_dir_all(&to).unwrap();
    for f in ["applicants.csv", "zones.geojson", "policy.toml", "candidates.csv"] {
        std::fs::copy(demo().join(f), to.join(f)).unwrap();
    }
    let schools = std::fs::read_to_string(demo().join("schools.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in schools.lines().enumerate() {
        let id = line.split(',').next().unwrap();
        let cell = if i == 0 {
            "closable"
        } else if closable.contains(&id) {
            "1"
        } else {
            "0"
        };
        out.push_str(&format!("{line},{cell}\n"));
    }
    std::fs::write(to.join("schools.csv"), out).unwrap();
    to
}

/// The folder of `sites`, and its `scenario/` that `run` and `compare`
/// take as it is.
#[test]
fn demo_folder_and_its_scenario_run_and_compare() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sites");
    let o = out.to_str().unwrap();
    let stdout = run_ok(&[
        "sites",
        demo().to_str().unwrap(),
        "--candidates",
        candidates_file().to_str().unwrap(),
        "--open",
        "2",
        "--out",
        o,
    ]);
    assert!(stdout.contains("primary: open "), "{stdout}");
    assert!(stdout.contains("proven optimal"), "{stdout}");
    for f in [
        "sites.csv",
        "sites_summary.json",
        "sites.html",
        "manifest.json",
        "scenario/schools.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let summary = json(&out.join("sites_summary.json"));
    assert_eq!(summary["assignment_rule"], "optimal");
    for level in summary["levels"].as_array().unwrap() {
        for key in [
            "level",
            "open",
            "closed",
            "seated",
            "total_distance_m",
            "lower_bound_m",
            "gap",
            "proven_optimal",
            "baseline",
        ] {
            assert!(level.get(key).is_some(), "no {key}");
        }
        assert_eq!(level["proven_optimal"], true);
        assert_eq!(level["gap"], 0.0);
        assert_eq!(level["open"].as_array().unwrap().len(), 2);
        // Opening sites never seats fewer than today.
        assert!(level["seated"].as_u64() >= level["baseline"]["seated"].as_u64());
    }
    let csv = std::fs::read_to_string(out.join("sites.csv")).unwrap();
    assert!(csv.starts_with("level,site_id,name,kind,decision,seats,pupils,mean_distance_m\n"));
    // The opened candidates are schools of the copy.
    let schools = std::fs::read_to_string(out.join("scenario/schools.csv")).unwrap();
    for id in summary["levels"][0]["open"].as_array().unwrap() {
        assert!(schools.contains(&format!("\n{},", id.as_str().unwrap())));
    }
    let run = tmp.path().join("run");
    run_ok(&[
        "run",
        out.join("scenario").to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
    ]);
    let cmp = tmp.path().join("cmp");
    run_ok(&[
        "compare",
        demo().to_str().unwrap(),
        "--scenario",
        out.join("scenario").to_str().unwrap(),
        "--out",
        cmp.to_str().unwrap(),
    ]);
    // Writing again over the same folder replaces it.
    run_ok(&[
        "sites",
        demo().to_str().unwrap(),
        "--candidates",
        candidates_file().to_str().unwrap(),
        "--open",
        "1",
        "--level",
        "junior",
        "--out",
        o,
    ]);
    let summary = json(&out.join("sites_summary.json"));
    assert_eq!(summary["levels"].as_array().unwrap().len(), 1);
    assert_eq!(summary["levels"][0]["level"], "junior");
}

/// Closing: one of three closable primary schools closes; the copy drops
/// it from schools.csv, from its zone and from applicants' choices, and
/// still runs and compares.
#[test]
fn closing_a_school_and_the_copy_still_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = demo_with_closable(tmp.path(), &["4059", "2950", "4142"]);
    let out = tmp.path().join("sites");
    let stdout = run_ok(&[
        "sites",
        sc.to_str().unwrap(),
        "--candidates",
        sc.join("candidates.csv").to_str().unwrap(),
        "--open",
        "1",
        "--close",
        "1",
        "--level",
        "primary",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.contains("proven optimal"), "{stdout}");
    let summary = json(&out.join("sites_summary.json"));
    let closed = summary["levels"][0]["closed"].as_array().unwrap().clone();
    assert_eq!(closed.len(), 1);
    let closed = closed[0].as_str().unwrap().to_string();
    assert!(["4059", "2950", "4142"].contains(&closed.as_str()));
    let schools = std::fs::read_to_string(out.join("scenario/schools.csv")).unwrap();
    assert!(!schools.contains(&format!("\n{closed},")));
    let run = tmp.path().join("run");
    run_ok(&[
        "run",
        out.join("scenario").to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
    ]);
    let cmp = tmp.path().join("cmp");
    run_ok(&[
        "compare",
        sc.to_str().unwrap(),
        "--scenario",
        out.join("scenario").to_str().unwrap(),
        "--out",
        cmp.to_str().unwrap(),
    ]);
    // Brute force over the 3 × 5 (closed, opened) pairs agrees.
    let loaded = scenario::load(&sc, &LoadOptions::default()).unwrap();
    let cands = sites::candidates::load(&sc.join("candidates.csv"), &loaded).unwrap();
    let plan = sites::plan(
        &loaded,
        &cands,
        &SitesOptions {
            open: 1,
            close: 1,
            level: Some(Level::Primary),
            limits: Limits::default(),
        },
    )
    .unwrap();
    let lp = &plan.levels[0];
    let homes: Vec<(f64, f64)> = sites::public_applicants(&loaded)
        .iter()
        .map(|&a| loaded.applicant(a))
        .filter(|a| a.level == Level::Primary)
        .map(|a| (a.lon, a.lat))
        .collect();
    let ids: Vec<&str> = lp.sites.iter().map(|s| s.id.as_str()).collect();
    let model = SiteModel::new(
        homes.clone(),
        lp.sites.iter().map(|s| (s.lon, s.lat)).collect(),
        lp.sites.iter().map(|s| s.seats).collect(),
        loaded.policy.max_distance_m.unwrap_or(f64::INFINITY),
    );
    let w = seat_weight(homes.len());
    let mut best = None::<Value>;
    for close in ["4059", "2950", "4142"] {
        for c in lp.sites.iter().filter(|s| s.id.starts_with("C-")) {
            let open: Vec<bool> = ids
                .iter()
                .map(|&id| if id.starts_with("C-") { id == c.id } else { id != close })
                .collect();
            let v = model.evaluate(&open);
            if best.is_none_or(|b| v.score(w) > b.score(w)) {
                best = Some(v);
            }
        }
    }
    let best = best.unwrap();
    assert_eq!(lp.chosen.seated, best.seated);
    let chosen: Vec<bool> = lp
        .sites
        .iter()
        .map(|s| matches!(s.decision, Decision::Open | Decision::Kept))
        .collect();
    assert_eq!(model.evaluate(&chosen), best);
}

/// Row order of the candidates file does not change a byte of the output.
#[test]
fn outputs_do_not_depend_on_candidate_row_order() {
    let tmp = tempfile::tempdir().unwrap();
    let text_in = std::fs::read_to_string(candidates_file()).unwrap();
    let mut lines: Vec<&str> = text_in.lines().collect();
    lines[1..].reverse();
    let reversed = tmp.path().join("candidates.csv");
    std::fs::write(&reversed, lines.join("\n") + "\n").unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    for (cands, out) in [(candidates_file(), &a), (reversed, &b)] {
        run_ok(&[
            "sites",
            demo().to_str().unwrap(),
            "--candidates",
            cands.to_str().unwrap(),
            "--open",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    for f in [
        "sites.csv",
        "sites_summary.json",
        "sites.html",
        "scenario/schools.csv",
        "scenario/zones.geojson",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs"
        );
    }
}

/// One bad-input case: how the inputs are changed, the arguments, and what
/// must happen.
struct Case {
    name: &'static str,
    schools_column: Option<(&'static str, &'static str)>,
    candidates: Option<&'static str>,
    args: &'static [&'static str],
    code: i32,
    message: &'static str,
}

const HEADER: &str = "id,name,level,lon,lat,classes,class_cap\n";

#[test]
fn bad_input_is_named_and_nothing_is_written() {
    let cases = [
        Case {
            name: "open more than candidates",
            schools_column: None,
            candidates: None,
            args: &["--open", "9"],
            code: 1,
            message: "candidates.csv: error: --open 9 is more than the 5 primary candidate site(s) in the file",
        },
        Case {
            name: "close more than closable",
            schools_column: Some(("4059", "1")),
            candidates: None,
            args: &["--open", "1", "--close", "2", "--level", "primary"],
            code: 1,
            message: "schools.csv: error: --close 2 is more than the 1 closable primary school(s) (closable = 1)",
        },
        Case {
            name: "nothing to decide",
            schools_column: None,
            candidates: None,
            args: &["--open", "0"],
            code: 2,
            message: "--open 0 and --close 0 leave nothing to decide",
        },
        Case {
            name: "closable not 0 or 1",
            schools_column: Some(("1148", "yes")),
            candidates: None,
            args: &["--open", "1"],
            code: 1,
            message: "schools.csv:3: error: closable \"yes\" is not 0 or 1",
        },
        Case {
            name: "candidate id is a school id",
            schools_column: None,
            candidates: Some("1124,Clash,primary,151.03,-33.91,2,\n"),
            args: &["--open", "1"],
            code: 1,
            message: "candidates.csv:2: error: id \"1124\" is already a school id in schools.csv",
        },
        Case {
            name: "candidate latitude out of range",
            schools_column: None,
            candidates: Some("C1,Bad,primary,151.03,-133.91,2,\n"),
            args: &["--open", "1"],
            code: 1,
            message: "candidates.csv:2: error: lat -133.91 is out of range [-90, 90]",
        },
        Case {
            name: "candidate level",
            schools_column: None,
            candidates: Some("C1,Bad,senior,151.03,-33.91,2,\n"),
            args: &["--open", "1"],
            code: 1,
            message: "candidates.csv:2: error: level \"senior\" is not primary or junior",
        },
    ];
    for case in &cases {
        let tmp = tempfile::tempdir().unwrap();
        let sc = match case.schools_column {
            Some((id, value)) => {
                let sc = demo_with_closable(tmp.path(), &[]);
                let schools = std::fs::read_to_string(sc.join("schools.csv")).unwrap();
                let fixed: String = schools
                    .lines()
                    .map(|l| {
                        if l.starts_with(&format!("{id},")) {
                            format!("{},{value}\n", &l[..l.len() - 2])
                        } else {
                            format!("{l}\n")
                        }
                    })
                    .collect();
                std::fs::write(sc.join("schools.csv"), fixed).unwrap();
                sc
            }
            None => demo(),
        };
        let cands = match case.candidates {
            Some(rows) => {
                let p = tmp.path().join("candidates.csv");
                std::fs::write(&p, format!("{HEADER}{rows}")).unwrap();
                p
            }
            None => candidates_file(),
        };
        let out = tmp.path().join("out");
        let mut args = vec![
            "sites".to_string(),
            sc.display().to_string(),
            "--candidates".into(),
            cands.display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ];
        args.extend(case.args.iter().map(|s| s.to_string()));
        let o = catchment(&args);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(case.code), "{}: {stderr}", case.name);
        assert!(stderr.contains(case.message), "{}: {stderr}", case.name);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", case.name);
        assert!(!out.exists(), "{}: something was written", case.name);
    }
}

/// Warnings, with counts: a candidate on a school's exact location, one far
/// from every home and outside every zone; the command still succeeds.
#[test]
fn questionable_candidates_are_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("candidates.csv");
    std::fs::write(
        &p,
        format!("{HEADER}C1,On a school,primary,151.038043,-33.904888,2,\nC2,Far away,primary,151.5,-33.5,2,\n"),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = catchment([
        "sites",
        demo().to_str().unwrap(),
        "--candidates",
        p.to_str().unwrap(),
        "--open",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = text(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("candidates.csv:2: warning: candidate C1 is at the exact location of school 1124"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 primary candidate site(s) lie outside every zone of the level: C2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 primary candidate site(s) have no applicant's home within 6000 m: C2"),
        "{stderr}"
    );
}

// ------------------------------------------------------------ properties

/// A random small instance on the map: homes and sites in a 3 km square,
/// seats per site, roles, and the numbers to open and close.
#[derive(Debug, Clone)]
struct Instance {
    homes: Vec<(f64, f64)>,
    sites: Vec<(f64, f64)>,
    seats: Vec<u32>,
    roles: Vec<Role>,
    open: usize,
    close: usize,
    limit: f64,
}

fn point() -> impl Strategy<Value = (f64, f64)> {
    (0u32..60, 0u32..60).prop_map(|(x, y)| (116.3 + f64::from(x) * 0.0006, 39.9 + f64::from(y) * 0.0005))
}

fn instance() -> impl Strategy<Value = Instance> {
    (
        prop::collection::vec(point(), 1..14),
        prop::collection::vec((point(), 0u32..5, 0u8..3), 2..8),
        0usize..4,
        0usize..3,
        prop::bool::ANY,
    )
        .prop_map(|(homes, sites, open, close, limited)| {
            let roles: Vec<Role> = sites
                .iter()
                .map(|s| match s.2 {
                    0 => Role::Fixed,
                    1 => Role::Candidate,
                    _ => Role::Closable,
                })
                .collect();
            let nc = roles.iter().filter(|&&r| r == Role::Candidate).count();
            let nx = roles.iter().filter(|&&r| r == Role::Closable).count();
            Instance {
                homes,
                seats: sites.iter().map(|s| s.1).collect(),
                sites: sites.iter().map(|s| s.0).collect(),
                roles,
                open: open.min(nc),
                close: close.min(nx),
                limit: if limited { 1500.0 } else { f64::INFINITY },
            }
        })
}

/// Every allowed layout, as open flags.
fn layouts(inst: &Instance) -> Vec<Vec<bool>> {
    let cands: Vec<usize> = (0..inst.roles.len())
        .filter(|&s| inst.roles[s] == Role::Candidate)
        .collect();
    let closable: Vec<usize> = (0..inst.roles.len())
        .filter(|&s| inst.roles[s] == Role::Closable)
        .collect();
    let mut out = Vec::new();
    for opened in subsets(cands.len(), inst.open) {
        for closed in subsets(closable.len(), inst.close) {
            let mut open: Vec<bool> = inst.roles.iter().map(|&r| r != Role::Candidate).collect();
            for &c in &opened {
                open[cands[c]] = true;
            }
            for &x in &closed {
                open[closable[x]] = false;
            }
            out.push(open);
        }
    }
    out
}

/// The mixed-integer model in good_lp (binary site variables, `x ≤ y`
/// linking, the counts as equalities), or its LP relaxation: the most
/// seated, then the least total millimetres at that many seated.
fn mip(inst: &Instance, relax: bool) -> (f64, f64) {
    let pairs: Vec<(usize, usize, f64)> = (0..inst.homes.len())
        .flat_map(|i| (0..inst.sites.len()).map(move |j| (i, j)))
        .filter_map(|(i, j)| {
            let d = haversine(inst.homes[i], inst.sites[j]);
            (d <= inst.limit && inst.seats[j] > 0).then_some((i, j, (d * 1000.0).round()))
        })
        .collect();
    let stage = |seated: Option<f64>| -> (f64, f64) {
        let mut vars = ProblemVariables::new();
        let x: Vec<Variable> = pairs.iter().map(|_| vars.add(variable().min(0).max(1))).collect();
        let y: Vec<Variable> = inst
            .roles
            .iter()
            .map(|_| {
                if relax {
                    vars.add(variable().min(0).max(1))
                } else {
                    vars.add(variable().binary())
                }
            })
            .collect();
        let used: Expression = x.iter().sum();
        let mut mm = Expression::from(0.0);
        for (p, &v) in pairs.iter().zip(&x) {
            mm.add_mul(p.2, v);
        }
        let mut model = match seated {
            None => vars.maximise(used.clone()).using(microlp),
            Some(_) => vars.minimise(mm.clone()).using(microlp),
        };
        for i in 0..inst.homes.len() {
            let e: Expression = pairs.iter().zip(&x).filter(|(p, _)| p.0 == i).map(|(_, &v)| v).sum();
            model = model.with(constraint!(e <= 1.0));
        }
        #[allow(clippy::needless_range_loop)] // j indexes seats, roles and y alike
        for j in 0..inst.sites.len() {
            let e: Expression = pairs.iter().zip(&x).filter(|(p, _)| p.1 == j).map(|(_, &v)| v).sum();
            model = model.with(constraint!(e <= f64::from(inst.seats[j]) * y[j]));
            for (p, &v) in pairs.iter().zip(&x) {
                if p.1 == j {
                    model = model.with(constraint!(v <= y[j]));
                }
            }
            if inst.roles[j] == Role::Fixed {
                model = model.with(constraint!(y[j] == 1.0));
            }
        }
        let count = |role: Role| -> Expression {
            (0..inst.roles.len())
                .filter(|&j| inst.roles[j] == role)
                .map(|j| y[j])
                .sum()
        };
        let nx = inst.roles.iter().filter(|&&r| r == Role::Closable).count();
        model = model.with(constraint!(count(Role::Candidate) == inst.open as f64));
        model = model.with(constraint!(count(Role::Closable) == (nx - inst.close) as f64));
        if let Some(s) = seated {
            model = model.with(constraint!(used.clone() >= s - 1e-7));
        }
        let sol = model.solve().unwrap();
        (sol.eval(&used), sol.eval(&mm))
    };
    let (seated, _) = stage(None);
    let (_, mm) = stage(Some(seated));
    (seated, mm)
}

proptest! {
    #![proptest_config(common::proptest_config(150))]

    /// On the map, with and without a distance limit: the search's layout
    /// is the best of every allowed layout (brute force over every
    /// K-subset of candidates and C-subset of closable schools), proven.
    #[test]
    fn search_equals_brute_force_on_the_map(inst in instance()) {
        let model = SiteModel::new(inst.homes.clone(), inst.sites.clone(), inst.seats.clone(), inst.limit);
        let problem = Problem { roles: inst.roles.clone(), open: inst.open, close: inst.close };
        let best = solve(&model, &problem, &Limits::default()).unwrap();
        let w = seat_weight(inst.homes.len());
        let brute = layouts(&inst).iter().map(|l| model.evaluate(l)).max_by_key(|v| v.score(w)).unwrap();
        prop_assert!(best.proven);
        prop_assert_eq!(best.value, brute);
        prop_assert_eq!(model.evaluate(&best.open), best.value);
    }
}

proptest! {
    #![proptest_config(common::proptest_config(40))]

    /// Against good_lp: the mixed-integer model reaches the same seated and
    /// total millimetres as the search, and its LP relaxation is a valid
    /// bound (seats at least as many; at equal seats, no more distance).
    #[test]
    fn search_matches_the_mip_and_its_lp_relaxation(inst in instance()) {
        let model = SiteModel::new(inst.homes.clone(), inst.sites.clone(), inst.seats.clone(), inst.limit);
        let problem = Problem { roles: inst.roles.clone(), open: inst.open, close: inst.close };
        let best = solve(&model, &problem, &Limits::default()).unwrap();
        let (seated, mm) = mip(&inst, false);
        prop_assert!((seated - best.value.seated as f64).abs() < 1e-6, "MIP seats {} vs {}", seated, best.value.seated);
        prop_assert!((mm - best.value.total_mm as f64).abs() < 1.0, "MIP mm {} vs {}", mm, best.value.total_mm);
        let (lp_seated, lp_mm) = mip(&inst, true);
        prop_assert!(lp_seated >= best.value.seated as f64 - 1e-6);
        if (lp_seated - best.value.seated as f64).abs() < 1e-6 {
            prop_assert!(lp_mm <= best.value.total_mm as f64 + 1.0);
        }
    }
}
