//! The senior quota round (指标到校): invariants and stability by property
//! tests against a brute-force blocking-pair check, bad input through the
//! real binary (table-driven), and an end-to-end run on the demo fixture.

use std::path::Path;
use std::process::Command;

use catchment::error::Diagnostics;
use catchment::senior::round::{self, SeniorStage};
use catchment::senior::{
    Candidate, JuniorIdx, JuniorSchool, Method, Score, SeniorIdx, SeniorPolicy, SeniorScenario, SeniorSchool, Share,
};
use proptest::prelude::*;
use sha2::Digest;

fn scenario(
    places: &[u32],
    shares: &[u64],
    min_score: Option<u32>,
    graduates: &[u32],
    cands: &[(u32, u32, Vec<u32>, u32)],
    method: Method,
) -> SeniorScenario {
    let seniors = places
        .iter()
        .zip(shares)
        .enumerate()
        .map(|(i, (&p, &num))| SeniorSchool {
            id: format!("H{i}"),
            name: String::new(),
            places: p,
            quota_share: Share { num, den: 10 },
            min_score: None,
            line: i as u64 + 2,
        })
        .collect();
    let juniors = graduates
        .iter()
        .enumerate()
        .map(|(i, &g)| JuniorSchool {
            id: format!("J{i}"),
            name: String::new(),
            graduates: g,
            line: i as u64 + 2,
        })
        .collect();
    let mut candidates: Vec<Candidate> = cands
        .iter()
        .enumerate()
        .map(|(i, (j, score, choices, priority))| Candidate {
            id: format!("c{i:04}"),
            junior: JuniorIdx(*j),
            score: Score(*score),
            choices: choices.iter().copied().map(SeniorIdx).collect(),
            priority: *priority,
            line: i as u64 + 2,
        })
        .collect();
    candidates.sort_by(|a, b| a.id.cmp(&b.id));
    SeniorScenario {
        policy: SeniorPolicy {
            seed_commitment: None,
            seed: "prop seed".into(),
            quota_share: Share { num: 5, den: 10 },
            apportionment: method,
            min_score: min_score.map(Score),
        },
        seniors,
        juniors,
        candidates,
        inputs: Vec::new(),
        warnings: Diagnostics::default(),
    }
}

/// Spec §9 read on its own, without `catchment::senior`'s logic: the order
/// at a senior school, quota eligibility, quota places and their
/// apportionment.
mod oracle {
    use std::cmp::Reverse;

    use catchment::senior::{Method, SeniorIdx, SeniorScenario};
    use sha2::{Digest, Sha256};

    /// (priority ascending, score descending, ticket ascending), tickets of
    /// spec §3 with label `quota:<senior>` or `open:<senior>`.
    pub fn key(sc: &SeniorScenario, c: usize, s: SeniorIdx, quota: bool) -> (u32, Reverse<u32>, String) {
        let cand = &sc.candidates[c];
        let stage = if quota { "quota" } else { "open" };
        let text = format!("{}\n{stage}:{}\n{}", sc.policy.seed, sc.seniors[s.index()].id, cand.id);
        let ticket: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        (cand.priority, Reverse(cand.score.0), ticket)
    }

    /// Whether a candidate meets the senior school's minimum score (its
    /// own, else the policy's) for the quota stage.
    pub fn eligible(sc: &SeniorScenario, c: usize, s: SeniorIdx) -> bool {
        let min = sc.seniors[s.index()].min_score.or(sc.policy.min_score);
        min.is_none_or(|m| sc.candidates[c].score.0 >= m.0)
    }

    /// `floor(places × quota_share)`, exactly in integers.
    pub fn quota_places(sc: &SeniorScenario, s: usize) -> u32 {
        let senior = &sc.seniors[s];
        (u64::from(senior.places) * senior.quota_share.num / senior.quota_share.den) as u32
    }

    /// Quota places of senior `s` per junior school (spec §9.2): Hamilton
    /// or Sainte-Laguë by graduates; ties to more graduates, then the
    /// smaller junior id; none at all when no junior has graduates.
    pub fn apportion(sc: &SeniorScenario, s: usize) -> Vec<u32> {
        let q = u64::from(quota_places(sc, s));
        let g: Vec<u64> = sc.juniors.iter().map(|j| u64::from(j.graduates)).collect();
        let total: u64 = g.iter().sum();
        let mut seats = vec![0u64; g.len()];
        if total == 0 {
            return vec![0; g.len()];
        }
        let tie = |a: usize, b: usize| {
            g[b].cmp(&g[a])
                .then(sc.juniors[a].id.as_bytes().cmp(sc.juniors[b].id.as_bytes()))
        };
        match sc.policy.apportionment {
            Method::LargestRemainder => {
                for j in 0..g.len() {
                    seats[j] = q * g[j] / total;
                }
                let left = q - seats.iter().sum::<u64>();
                let mut order: Vec<usize> = (0..g.len()).filter(|&j| g[j] > 0).collect();
                order.sort_by(|&a, &b| ((q * g[b]) % total).cmp(&((q * g[a]) % total)).then(tie(a, b)));
                for &j in order.iter().take(left as usize) {
                    seats[j] += 1;
                }
            }
            Method::SainteLague => {
                for _ in 0..q {
                    let best = (0..g.len()).filter(|&j| g[j] > 0).min_by(|&a, &b| {
                        // g_a / (2 s_a + 1) larger first, by cross-multiplying.
                        (g[b] * (2 * seats[a] + 1))
                            .cmp(&(g[a] * (2 * seats[b] + 1)))
                            .then(tie(a, b))
                    });
                    if let Some(j) = best {
                        seats[j] += 1;
                    }
                }
            }
        }
        seats.into_iter().map(|x| x as u32).collect()
    }
}

/// Candidate `c`'s key at senior `s`, by the oracle.
fn k(sc: &SeniorScenario, c: usize, s: SeniorIdx, quota: bool) -> (u32, std::cmp::Reverse<u32>, String) {
    oracle::key(sc, c, s, quota)
}

/// Brute force: no candidate `c` in `members` and school `s` it prefers to
/// its match such that `s` has a free seat or holds someone worse.
fn assert_stable(
    sc: &SeniorScenario,
    members: &[usize],
    prefs: impl Fn(usize) -> Vec<SeniorIdx>,
    matched: impl Fn(usize) -> Option<SeniorIdx>,
    capacity: impl Fn(SeniorIdx) -> u32,
    quota: bool,
) -> Result<(), TestCaseError> {
    for &c in members {
        let list = prefs(c);
        let mine = matched(c);
        let better: Vec<SeniorIdx> = match mine {
            Some(m) => {
                prop_assert!(list.contains(&m), "candidate {c} matched outside its list");
                list.iter().copied().take_while(|&s| s != m).collect()
            }
            None => list,
        };
        for s in better {
            let held: Vec<usize> = members.iter().copied().filter(|&d| matched(d) == Some(s)).collect();
            prop_assert!(held.len() as u32 <= capacity(s));
            let free = (held.len() as u32) < capacity(s);
            let worse = held.iter().any(|&d| k(sc, d, s, quota) > k(sc, c, s, quota));
            prop_assert!(!free && !worse, "blocking pair: candidate {c} and school {s:?}");
        }
    }
    Ok(())
}

fn arb_scenario() -> impl Strategy<Value = SeniorScenario> {
    (
        1usize..4,
        1usize..4,
        0usize..30,
        any::<bool>(),
        prop::option::of(0u32..6),
    )
        .prop_flat_map(|(ns, nj, nc, sl, min)| {
            let places = prop::collection::vec(0u32..8, ns);
            let shares = prop::collection::vec(0u64..=10, ns);
            let grads = prop::collection::vec(0u32..10, nj);
            let cand = (
                0..nj as u32,
                0u32..8, // few distinct scores: ties go to tickets
                prop::sample::subsequence((0..ns as u32).collect::<Vec<_>>(), 0..=ns).prop_shuffle(),
                1u32..3,
            );
            let cands = prop::collection::vec(cand, nc);
            (places, shares, grads, cands).prop_map(move |(p, sh, g, c)| {
                let method = if sl {
                    Method::SainteLague
                } else {
                    Method::LargestRemainder
                };
                scenario(&p, &sh, min, &g, &c, method)
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn quota_and_open_stages_are_stable_and_nobody_is_lost(sc in arb_scenario()) {
        let out = round::run(&sc);
        let n = sc.candidates.len();
        prop_assert_eq!(out.placements.len(), n);
        // Quotas: floor(places × share) in all, unless no graduates.
        let any_grads = sc.juniors.iter().any(|j| j.graduates > 0);
        for (s, senior) in sc.seniors.iter().enumerate() {
            let total: u32 = out.quotas[s].iter().sum();
            prop_assert_eq!(total, if any_grads { oracle::quota_places(&sc, s) } else { 0 });
            prop_assert_eq!(&out.quotas[s], &oracle::apportion(&sc, s), "apportionment of senior {}", s);
            for j in 0..sc.juniors.len() {
                prop_assert!(out.quota_admitted[s][j] <= out.quotas[s][j]);
            }
            // Unused quota returned to the open pool.
            let used: u32 = out.quota_admitted[s].iter().sum();
            prop_assert_eq!(out.open_places[s], senior.places - used);
            // No school over its places, in either round.
            let after = out.placements.iter().filter(|p| p.senior == Some(SeniorIdx(s as u32))).count() as u32;
            prop_assert!(after <= senior.places);
            let before = out.open_only.iter().filter(|&&x| x == Some(SeniorIdx(s as u32))).count() as u32;
            prop_assert!(before <= senior.places);
        }
        // Stage and school agree for every candidate.
        for p in &out.placements {
            prop_assert_eq!(p.senior.is_none(), p.stage == SeniorStage::Unplaced);
        }
        // Quota stage: stable within each junior school.
        for j in 0..sc.juniors.len() as u32 {
            let members: Vec<usize> = (0..n).filter(|&c| sc.candidates[c].junior == JuniorIdx(j)).collect();
            let mut count = vec![0u32; sc.seniors.len()];
            for &c in &members {
                if out.placements[c].stage == SeniorStage::Quota {
                    let s = out.placements[c].senior.unwrap();
                    prop_assert!(oracle::eligible(&sc, c, s));
                    count[s.index()] += 1;
                }
            }
            for (n, admitted) in count.iter().zip(&out.quota_admitted) {
                prop_assert_eq!(*n, admitted[j as usize]);
            }
            assert_stable(
                &sc,
                &members,
                |c| sc.candidates[c].choices.iter().copied().filter(|&s| oracle::eligible(&sc, c, s)).collect(),
                |c| (out.placements[c].stage == SeniorStage::Quota).then(|| out.placements[c].senior.unwrap()),
                |s| out.quotas[s.index()][j as usize],
                true,
            )?;
        }
        // Open stage: stable among those the quota stage did not admit.
        let rest: Vec<usize> = (0..n).filter(|&c| out.placements[c].stage != SeniorStage::Quota).collect();
        assert_stable(
            &sc,
            &rest,
            |c| sc.candidates[c].choices.clone(),
            |c| out.placements[c].senior,
            |s| out.open_places[s.index()],
            false,
        )?;
        // Open-only round: stable over everyone with every place open.
        let all: Vec<usize> = (0..n).collect();
        assert_stable(
            &sc,
            &all,
            |c| sc.candidates[c].choices.clone(),
            |c| out.open_only[c],
            |s| sc.seniors[s.index()].places,
            false,
        )?;
    }
}

#[test]
fn hand_worked_two_juniors_one_senior() {
    // One senior school, 4 places, quota share 0.5 → 2 quota places, shared
    // by graduates 3 : 1 → Hamilton: 2 × 3 / 4 = 1 r 2, 2 × 1 / 4 = 0 r 2;
    // one seat left, remainders tie, J0 has more graduates → J0 2, J1 0.
    let cands = vec![
        (0, 900, vec![0], 1), // c0000 J0 90.00
        (0, 800, vec![0], 1), // c0001 J0 80.00
        (0, 700, vec![0], 1), // c0002 J0 70.00
        (1, 950, vec![0], 1), // c0003 J1 95.00
        (1, 100, vec![0], 1), // c0004 J1 1.00
    ];
    let sc = scenario(&[4], &[5], None, &[3, 1], &cands, Method::LargestRemainder);
    let out = round::run(&sc);
    assert_eq!(out.quotas, vec![vec![2, 0]]);
    // Quota stage: J0's best two (c0000, c0001). Open: 2 places for
    // c0002, c0003, c0004 by score → c0003 (95) and c0002 (70).
    let stages: Vec<&str> = out.placements.iter().map(|p| p.stage.as_str()).collect();
    assert_eq!(stages, vec!["quota", "quota", "open", "open", "unplaced"]);
    assert_eq!(out.open_places, vec![2]);
    // Open-only: 95, 90, 80, 70 in; 1.00 out.
    let h0 = Some(SeniorIdx(0));
    assert_eq!(out.open_only, vec![h0, h0, h0, h0, None]);
}

#[test]
fn min_score_makes_quota_return_to_the_open_pool() {
    // 2 places, both quota (share 1.0), J0 and J1 one each. J1's only
    // candidate is below min_score 50.00 → J1's quota place returns; the
    // open stage gives it to J0's second candidate.
    let cands = vec![(0, 6000, vec![0], 1), (0, 5500, vec![0], 1), (1, 4000, vec![0], 1)];
    let sc = scenario(&[2], &[10], Some(5000), &[1, 1], &cands, Method::SainteLague);
    let out = round::run(&sc);
    assert_eq!(out.quotas, vec![vec![1, 1]]);
    assert_eq!(out.quota_admitted, vec![vec![1, 0]]);
    assert_eq!(out.open_places, vec![1]);
    let stages: Vec<&str> = out.placements.iter().map(|p| p.stage.as_str()).collect();
    assert_eq!(stages, vec!["quota", "open", "unplaced"]);
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_catchment"))
}

fn copy_fixture(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district/senior");
    for name in [
        "policy.toml",
        "senior_schools.csv",
        "junior_schools.csv",
        "candidates.csv",
    ] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
}

#[test]
fn demo_fixture_end_to_end_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-district/senior");
    let a = tmp.path().join("a");
    let o = bin().arg("senior").arg(&fixture).arg("--out").arg(&a).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Same inputs with rows reversed → byte-identical outputs.
    let shuffled = tmp.path().join("shuffled");
    std::fs::create_dir(&shuffled).unwrap();
    copy_fixture(&shuffled);
    let text = std::fs::read_to_string(shuffled.join("candidates.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    std::fs::write(shuffled.join("candidates.csv"), lines.join("\n") + "\n").unwrap();
    let b = tmp.path().join("b");
    let o = bin()
        .arg("senior")
        .arg(&shuffled)
        .arg("--out")
        .arg(&b)
        .output()
        .unwrap();
    assert!(o.status.success());
    for f in [
        "assignments.csv",
        "quotas.csv",
        "seniors.csv",
        "fairness.csv",
        "summary.json",
        "report.html",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // Manifest hashes match the files; every candidate exactly once.
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    for (name, hash) in manifest["outputs"].as_object().unwrap() {
        let bytes = std::fs::read(a.join(name)).unwrap();
        assert_eq!(catchment::lottery::sha256_hex(&bytes), hash.as_str().unwrap(), "{name}");
    }
    let assignments = std::fs::read_to_string(a.join("assignments.csv")).unwrap();
    let mut ids: Vec<&str> = assignments
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 2000);
    ids.dedup();
    assert_eq!(ids.len(), 2000);
    // Tickets recomputable from the seed (spec §3).
    let row: Vec<&str> = assignments
        .lines()
        .find(|l| l.contains(",quota,"))
        .unwrap()
        .split(',')
        .collect();
    let text = format!(
        "2027 senior quota round, published 2027-06-20\nquota:{}\n{}",
        row[4], row[0]
    );
    let expected: String = sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(row[7], expected);
    // quotas.csv: each senior's quotas sum to floor(places × share).
    let quotas = std::fs::read_to_string(a.join("quotas.csv")).unwrap();
    let sum_h03: u32 = quotas
        .lines()
        .filter(|l| l.starts_with("H03,"))
        .map(|l| l.split(',').nth(3).unwrap().parse::<u32>().unwrap())
        .sum();
    assert_eq!(sum_h03, 72); // 120 × 0.6
}

/// (file, line to replace (0 = append), new text, expected message).
const BAD: &[(&str, usize, &str, &str)] = &[
    (
        "candidates.csv",
        2,
        "c00001,8223,abc,H01,",
        "candidates.csv:2: error: score \"abc\" is not a number from 0 to 10000 with at most two decimals",
    ),
    (
        "candidates.csv",
        3,
        "c00002,9999,500,H01,",
        "candidates.csv:3: error: junior_school \"9999\" is not a school in junior_schools.csv",
    ),
    (
        "candidates.csv",
        4,
        "c00003,8223,500,H01;H09,",
        "candidates.csv:4: error: choices names senior school \"H09\", which is not in senior_schools.csv",
    ),
    (
        "candidates.csv",
        5,
        "c00001,8223,500,H01,",
        "candidates.csv:5: error: id \"c00001\" is already used on line 2; ids must be unique",
    ),
    (
        "candidates.csv",
        6,
        "c00005,8223,500,H01,0",
        "candidates.csv:6: error: priority 0 must be between 1 and 4095",
    ),
    (
        "senior_schools.csv",
        3,
        "H02,Bankstown Senior High,150,1.5,",
        "senior_schools.csv:3: error: quota_share \"1.5\" is not a decimal from 0 to 1",
    ),
    (
        "senior_schools.csv",
        2,
        "H01,Canterbury,-5,,",
        "senior_schools.csv:2: error: places \"-5\" is not a whole number ≥ 0",
    ),
    (
        "junior_schools.csv",
        2,
        "8223,Bass High School,10",
        "junior_schools.csv:2: error: graduates 10 is less than the 360 candidates of \"8223\"",
    ),
    (
        "policy.toml",
        4,
        "apportionment = \"dhondt\"",
        "policy.toml:4: error: apportionment \"dhondt\" is not one of \"largest_remainder\", \"sainte_lague\"",
    ),
    (
        "policy.toml",
        0,
        "quota_shares = 0.5",
        "policy.toml:6: error: unknown key quota_shares",
    ),
    (
        "policy.toml",
        3,
        "quota_share = 2",
        "policy.toml:3: error: quota_share must be a number from 0 to 1",
    ),
];

#[test]
fn bad_input_is_reported_with_file_and_line_and_exit_1() {
    for &(file, line, text, expected) in BAD {
        let tmp = tempfile::tempdir().unwrap();
        copy_fixture(tmp.path());
        let path = tmp.path().join(file);
        let old = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = old.lines().map(str::to_string).collect();
        if line == 0 {
            lines.push(text.to_string());
        } else {
            lines[line - 1] = text.to_string();
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let out = tmp.path().join("run");
        let o = bin()
            .arg("senior")
            .arg(tmp.path())
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{file}:{line}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{file}:{line}: expected {expected:?} in\n{stderr}"
        );
        assert!(!out.exists(), "a failed run wrote {}", out.display());
    }
}

#[test]
fn missing_folder_is_an_io_error() {
    let o = bin()
        .args(["senior", "/nonexistent/senior", "--out", "/tmp/x-senior-none"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
}
