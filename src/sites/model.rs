//! The siting model of one level: the public applicants' homes, every site
//! (today's public schools and the candidate sites) with its seats, and the
//! exact evaluation of a layout by the min-cost flow of rule `optimal`
//! ([`crate::flow`]).
//!
//! Distances are haversine (spec §2). Each applicant's sites are listed
//! once, nearest first (ties by site index), up to [`NEAR_LIST`] of them;
//! a layout's flow reads the open ones from that list, and on the rare
//! applicant whose list runs out of open sites, every site is sorted for
//! it on demand, so the flow always sees the exact nearest-first order.

use rayon::prelude::*;

use crate::distance::haversine;
use crate::flow::{self, CostModel};

use super::search::{Evaluate, Value};

/// Sites kept in each applicant's nearest-first list.
pub const NEAR_LIST: usize = 64;

/// The homes, the sites, and each home's nearest sites.
#[derive(Debug, Clone)]
pub struct SiteModel {
    homes: Vec<(f64, f64)>,
    sites: Vec<(f64, f64)>,
    seats: Vec<u32>,
    limit: f64,
    /// Per applicant, `width` (site, metres) pairs nearest first, fewer
    /// when fewer sites are within the limit (`len` says how many).
    near: Vec<(u32, f64)>,
    len: Vec<u16>,
    width: usize,
}

/// The optimal assignment of one layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Seating {
    /// The value of the layout.
    pub value: Value,
    /// Each applicant's site, `None` when unseated.
    pub site: Vec<Option<usize>>,
    /// Total distance in metres (unrounded).
    pub total_m: f64,
}

impl SiteModel {
    /// A model of `homes` and `sites` (lon, lat) with their seats; pairs
    /// farther than `limit` metres are not used.
    pub fn new(homes: Vec<(f64, f64)>, sites: Vec<(f64, f64)>, seats: Vec<u32>, limit: f64) -> SiteModel {
        let width = sites.len().min(NEAR_LIST);
        let lists: Vec<Vec<(u32, f64)>> = homes
            .par_iter()
            .map(|&h| {
                let mut all: Vec<(u32, f64)> = sites
                    .iter()
                    .enumerate()
                    .map(|(j, &s)| (j as u32, haversine(h, s)))
                    .filter(|&(_, d)| d <= limit)
                    .collect();
                all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                all.truncate(width);
                all
            })
            .collect();
        let mut near = Vec::with_capacity(homes.len() * width);
        let mut len = Vec::with_capacity(homes.len());
        for list in lists {
            len.push(list.len() as u16);
            near.extend(list.iter().copied());
            near.extend(std::iter::repeat_n((0, 0.0), width - list.len()));
        }
        SiteModel {
            homes,
            sites,
            seats,
            limit,
            near,
            len,
            width,
        }
    }

    /// Number of applicants.
    pub fn homes(&self) -> usize {
        self.homes.len()
    }

    /// Metres from applicant `i`'s home to site `j`.
    pub fn distance(&self, i: usize, j: usize) -> f64 {
        haversine(self.homes[i], self.sites[j])
    }

    /// The optimal assignment when the sites marked `true` are open.
    pub fn seat(&self, open: &[bool]) -> Seating {
        let costs = LayoutCosts { model: self, open };
        let a = flow::assign(&costs);
        Seating {
            value: Value {
                seated: a.seated,
                total_mm: a.total_mm,
            },
            site: a.school,
            total_m: a.total_m,
        }
    }

    /// Applicant `i`'s sites within the limit, nearest first, beyond its
    /// stored list (computed on demand).
    fn beyond_list(&self, i: usize) -> Vec<(usize, f64)> {
        let mut all: Vec<(usize, f64)> = (0..self.sites.len())
            .map(|j| (j, self.distance(i, j)))
            .filter(|&(_, d)| d <= self.limit)
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all.split_off(self.width.min(all.len()))
    }
}

impl Evaluate for SiteModel {
    fn applicants(&self) -> usize {
        self.homes.len()
    }

    fn sites(&self) -> usize {
        self.sites.len()
    }

    fn evaluate(&self, open: &[bool]) -> Value {
        self.seat(open).value
    }
}

/// The flow's view of one layout: closed sites have no seats.
struct LayoutCosts<'a> {
    model: &'a SiteModel,
    open: &'a [bool],
}

impl CostModel for LayoutCosts<'_> {
    fn applicants(&self) -> usize {
        self.model.homes.len()
    }

    fn schools(&self) -> usize {
        self.model.sites.len()
    }

    fn capacity(&self, school: usize) -> u32 {
        if self.open.get(school).copied().unwrap_or(false) {
            self.model.seats[school]
        } else {
            0
        }
    }

    fn nearest(&self, i: usize) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        let m = self.model;
        let row = &m.near[i * m.width..i * m.width + usize::from(m.len[i])];
        let listed = row
            .iter()
            .map(|&(j, d)| (j as usize, d))
            .filter(move |&(j, _)| self.capacity(j) > 0);
        // The list holds every site within the limit unless it is full.
        let full = usize::from(m.len[i]) == m.width && m.width < m.sites.len();
        // Computed only if the flow reads past the list (lazily).
        let rest = std::iter::once(())
            .flat_map(move |()| if full { m.beyond_list(i) } else { Vec::new() })
            .filter(move |&(j, _)| self.capacity(j) > 0);
        Box::new(listed.chain(rest))
    }

    fn cost(&self, i: usize, school: usize) -> Option<f64> {
        if school >= self.model.sites.len() || self.capacity(school) == 0 {
            return None;
        }
        Some(self.model.distance(i, school)).filter(|&d| d <= self.model.limit)
    }

    fn school_distance(&self, a: usize, b: usize) -> Option<f64> {
        Some(haversine(self.model.sites[a], self.model.sites[b]))
    }
}
