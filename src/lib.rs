//! # catchment
//!
//! An engine for school admission rounds and school zoning: a scenario
//! folder (schools, applicants with homes, catchment zones, a policy) in, a
//! complete and explainable run folder out. The contract is `docs/spec.md`.
//!
//! A round ([`round::run`]) allocates each level independently:
//! 1. the private schools' lottery (公民同招, [`stages::private`]),
//! 2. public allocation by single- and multi-school zones
//!    ([`stages::zone`]) or by distance ([`stages::nearest`]), both as
//!    deferred acceptance ([`matching`]) with verifiable tickets
//!    ([`lottery`]),
//! 3. district placement of everyone left ([`stages::fallback`]),
//!
//! then forms classes ([`classes`]) and writes the run folder ([`output`]).
//!
//! # Layout
//! - [`scenario`]: loading and validation of every input file;
//! - [`planning`]: warnings about planning mistakes (seats short, schools
//!   in no zone, homes far outside or geocoded to one point);
//! - [`geo_index`], [`distance`]: zone lookup, nearest schools, metres;
//! - [`lottery`], [`matching`], [`stages`], [`classes`], [`round`]: the round;
//! - [`flow`]: the exact minimum-distance assignment (rule `optimal`);
//! - [`audit`]: an independent check of a run folder from spec §4 alone;
//! - [`html`]: the one rendering layer (maud templates) for every page;
//! - [`output`], [`invariants`], [`verify`], [`explain`]: the run folder,
//!   its checks, and one applicant's path through the round in plain words;
//! - [`publish`]: the public folder a district posts after the draw (no
//!   home locations; a parent's look-up computes tickets in the browser);
//! - [`compare`]: one round under two catchment maps, side by side;
//! - [`zoning`]: drawing a catchment map (学区划分, `propose-zones`);
//! - [`odds`]: admission odds by simulating many lotteries;
//! - [`forecast`], [`balance`]: planner tools: seat forecast (学位预警) and
//!   balance between schools (均衡);
//! - [`crs`]: GCJ-02, BD-09 and projected (EPSG) input converted to WGS84;
//! - [`synth`]: synthetic districts and cities for tests and benchmarks;
//! - [`bench`]: phase timings and peak memory of whole rounds;
//! - [`senior`]: the quality senior-high quota round (指标到校);
//! - [`sites`]: school siting (新建 / 撤并): which candidate sites to open
//!   and which schools to close, exactly where it can be proven;
//! - [`error`]: diagnostics and exit codes;
//! - [`folder`]: which kind of folder a command was given (scenario or run).

#![forbid(unsafe_code)]
// No panics on any input (issue 7): errors are values. The few invariants the
// compiler cannot see carry a local `allow` saying why they hold.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![deny(missing_docs)]

pub mod audit;
pub mod balance;
pub mod bench;
pub mod classes;
pub mod compare;
pub mod crs;
pub mod distance;
pub mod error;
pub mod explain;
pub mod flow;
pub mod folder;
pub mod forecast;
pub mod geo_index;
pub mod html;
pub mod invariants;
pub mod lottery;
pub mod matching;
pub mod odds;
pub mod output;
pub mod planning;
pub mod publish;
pub mod round;
pub mod scenario;
pub mod senior;
pub mod sites;
pub mod stages;
pub mod synth;
pub mod verify;
pub mod zoning;
