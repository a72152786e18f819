//! Where schools go and how big they are: public schools planned zone by
//! zone from the demand, private schools near population centres, and
//! each household's choices.

use super::*;

/// Zones and public schools of one level, sized for its `applicants`.
// The generator's knobs and its two random streams, each a plain value.
#[allow(clippy::too_many_arguments)]
pub(super) fn plan_public(
    level: Level,
    area: Area,
    schools: usize,
    applicants: usize,
    seat_ratio: Option<f64>,
    seat_noise: &mut SeatNoise,
    households: &[Household],
    rng: &mut ChaCha8Rng,
) -> PublicPlan {
    if schools == 0 {
        return PublicPlan {
            grid: None,
            zones: Vec::new(),
            schools: Vec::new(),
        };
    }
    let homes: Vec<Point> = households.iter().map(|h| h.home).collect();
    let per_row = grid_rows(schools);
    let counts = schools_per_cell(per_row.iter().sum(), schools, rng);
    let grid = Grid::fitted(area, &per_row, &counts, &homes);

    // Children per cell: the demand each zone's schools share.
    let mut children = vec![0.0; grid.cells()];
    for household in households {
        if let Some(cell) = grid.cell_at(household.home) {
            children[cell] += household.children as f64;
        }
    }

    let width = id_width(schools);
    let mut zones = Vec::with_capacity(grid.cells());
    let mut list = Vec::with_capacity(schools);
    let mut demand = Vec::with_capacity(schools);
    for (cell, &count) in counts.iter().enumerate() {
        let rect = grid.rect(cell);
        let mut members = Vec::with_capacity(count);
        for _ in 0..count {
            let number = list.len() + 1;
            let (class_cap, reserved) = draw_limits(rng);
            members.push(list.len());
            list.push(School {
                id: format!("{}{number:0width$}", level.letter()),
                name: level.school_name(number),
                at: rect.inner_point(0.1, rng),
                classes: 0,
                class_cap,
                reserved,
            });
            let noise = rng.random_range(0.75..1.25);
            demand.push(1.0 + noise * children[cell] / count as f64);
        }
        zones.push(members);
    }
    // Log-normal scatter of each school's share (its own stream; none at σ = 0).
    for d in demand.iter_mut() {
        *d *= seat_noise.factor();
    }

    let drawn = rng.random_range(1.0..1.05);
    let target = (applicants as f64 * seat_ratio.unwrap_or(drawn)).ceil() as i64;
    size_schools(level, &mut list, &demand, target);
    PublicPlan {
        grid: Some(grid),
        zones,
        schools: list,
    }
}

/// Sets every school's `classes` within the level's range so that the
/// level's seats reach `target` (when the range allows) and exceed it by
/// less than one class, sharing seats in proportion to `demand`.
pub(super) fn size_schools(level: Level, schools: &mut [School], demand: &[f64], target: i64) {
    let (min, max) = level.class_range();
    let total_demand: f64 = demand.iter().sum();
    let wanted: Vec<f64> = demand.iter().map(|d| target as f64 * d / total_demand).collect();
    for (school, want) in schools.iter_mut().zip(&wanted) {
        let per_class = f64::from(school.cap(level));
        let held = f64::from(school.reserved.unwrap_or(0));
        school.classes = (((want + held) / per_class).round() as u32).clamp(min, max);
    }
    let mut total: i64 = schools.iter().map(|s| s.seats(level)).sum();

    // Short of the target: a class more where seats fall shortest of demand.
    while total < target {
        let Some(i) = most(schools, &wanted, level, |s, want, seats| {
            (s.classes < max).then_some(want - seats)
        }) else {
            break;
        };
        let before = schools[i].seats(level);
        schools[i].classes += 1;
        total += schools[i].seats(level) - before;
    }
    // Over by a class or more: a class less where seats most exceed demand.
    loop {
        let slack = total - target;
        let Some(i) = most(schools, &wanted, level, |s, want, seats| {
            let freed = s.seats(level) - s.seats_with(level, s.classes.saturating_sub(1));
            (s.classes > min && freed <= slack).then_some(seats - want)
        }) else {
            break;
        };
        let before = schools[i].seats(level);
        schools[i].classes -= 1;
        total -= before - schools[i].seats(level);
    }
}

/// The school scoring highest under `score(school, wanted seats, seats)`
/// (`None` = not eligible); the first one on ties.
pub(super) fn most(
    schools: &[School],
    wanted: &[f64],
    level: Level,
    score: impl Fn(&School, f64, f64) -> Option<f64>,
) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, (school, &want)) in schools.iter().zip(wanted).enumerate() {
        let Some(value) = score(school, want, school.seats(level) as f64) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((_, b)) => value > b,
        };
        if better {
            best = Some((i, value));
        }
    }
    best.map(|(i, _)| i)
}

/// The level's private schools, numbered `numbers` (X ids are shared by
/// both levels), placed where people live and sized so that there are
/// about 0.6 seats per private applicant.
pub(super) fn plan_private(
    level: Level,
    numbers: &[usize],
    width: usize,
    applicants: usize,
    population: &Population,
    rng: &mut ChaCha8Rng,
) -> Vec<School> {
    if numbers.is_empty() {
        return Vec::new();
    }
    let (min, max) = level.class_range();
    let seats_each = applicants as f64 * PRIVATE_SHARE * PRIVATE_SEATS_PER_APPLICANT / numbers.len() as f64;
    numbers
        .iter()
        .map(|&number| {
            let (class_cap, reserved) = draw_limits(rng);
            let mut school = School {
                id: format!("X{number:0width$}"),
                name: format!("民办第{number}学校"),
                at: population.home(rng),
                classes: 0,
                class_cap,
                reserved,
            };
            let classes = (seats_each / f64::from(school.cap(level))).round() as u32;
            school.classes = classes.clamp(min, max);
            school
        })
        .collect()
}

/// Draws the households' choices: 5 % apply to one or two private schools
/// of their level; 30 % of those living in a multi-school zone rank one to
/// three of its schools.
pub(super) fn draw_choices(households: &mut [Household], public: &PublicPlan, private: usize, rng: &mut ChaCha8Rng) {
    for household in households {
        if private > 0 && rng.random_bool(PRIVATE_SHARE) {
            let k = if private >= 2 && rng.random_bool(0.5) { 2 } else { 1 };
            household.private = pick_distinct(private, k, rng);
        }
        let Some(zone) = public.zone_at(household.home) else {
            continue;
        };
        let members = &public.zones[zone];
        if members.len() >= 2 && rng.random_bool(PUBLIC_CHOICE_SHARE) {
            let k = rng.random_range(1..=members.len().min(3));
            household.public = pick_distinct(members.len(), k, rng)
                .into_iter()
                .map(|i| members[i])
                .collect();
        }
    }
}

/// `k` distinct numbers from `0..n` in random order (partial Fisher–Yates).
pub(super) fn pick_distinct(n: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = rng.random_range(i..n);
        all.swap(i, j);
    }
    all.truncate(k);
    all
}
