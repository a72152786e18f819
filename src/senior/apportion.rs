//! Apportionment: sharing a senior school's quota places among junior
//! schools in proportion to their graduates.
//!
//! Both methods use exact integer arithmetic (no floating point), so every
//! implementation agrees to the seat.
//!
//! * **Largest remainder (Hamilton)**: junior school `j` with `g_j` of the
//!   `G` graduates first gets `floor(seats × g_j / G)`; the seats left go
//!   one each to the largest remainders `(seats × g_j) mod G`. Ties: more
//!   graduates first, then the smaller junior id (by UTF-8 bytes).
//! * **Sainte-Laguë**: seats are given one at a time to the school with the
//!   largest `g_j / (2 s_j + 1)`, where `s_j` is the seats it holds so far
//!   (divisors 1, 3, 5, …). Ties: more graduates first, then the smaller id.
//!
//! A school with no graduates gets no seats; when no junior school has any
//! graduate, every share is 0 (the seats go back to the open pool).
//!
//! ```
//! use catchment::senior::apportion::{apportion, Method};
//! // The Alabama paradox: one more seat, and the small school loses one.
//! let ids = ["A", "B", "C"];
//! assert_eq!(apportion(Method::LargestRemainder, 10, &[6, 6, 2], &ids), vec![4, 4, 2]);
//! assert_eq!(apportion(Method::LargestRemainder, 11, &[6, 6, 2], &ids), vec![5, 5, 1]);
//! ```

use std::cmp::Ordering;

/// How quota places are shared among junior schools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Hamilton's largest-remainder method.
    LargestRemainder,
    /// Sainte-Laguë (Webster) highest averages, odd divisors.
    SainteLague,
}

impl Method {
    /// The spelling in `policy.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::LargestRemainder => "largest_remainder",
            Method::SainteLague => "sainte_lague",
        }
    }

    /// Parses the spelling in `policy.toml`.
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "largest_remainder" => Some(Method::LargestRemainder),
            "sainte_lague" => Some(Method::SainteLague),
            _ => None,
        }
    }
}

/// Shares `seats` among schools with `weights` (graduates); `ids` break
/// ties (smaller first, by bytes). Returns seats per school, summing to
/// `seats` unless every weight is 0 (then all 0).
pub fn apportion(method: Method, seats: u32, weights: &[u32], ids: &[&str]) -> Vec<u32> {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if total == 0 || seats == 0 {
        return vec![0; weights.len()];
    }
    match method {
        Method::LargestRemainder => largest_remainder(seats, weights, ids, total),
        Method::SainteLague => sainte_lague(seats, weights, ids),
    }
}

/// Tie-break shared by both methods: more graduates first, then smaller id.
fn tie(weights: &[u32], ids: &[&str], a: usize, b: usize) -> Ordering {
    weights[b]
        .cmp(&weights[a])
        .then(ids[a].as_bytes().cmp(ids[b].as_bytes()))
}

fn largest_remainder(seats: u32, weights: &[u32], ids: &[&str], total: u64) -> Vec<u32> {
    let seats64 = u64::from(seats);
    let mut out: Vec<u32> = weights
        .iter()
        .map(|&w| (seats64 * u64::from(w) / total) as u32)
        .collect();
    let given: u64 = out.iter().map(|&s| u64::from(s)).sum();
    let left = (seats64 - given) as usize;
    let mut order: Vec<usize> = (0..weights.len()).filter(|&j| weights[j] > 0).collect();
    let rem = |j: usize| seats64 * u64::from(weights[j]) % total;
    order.sort_by(|&a, &b| rem(b).cmp(&rem(a)).then(tie(weights, ids, a, b)));
    for &j in order.iter().take(left) {
        out[j] += 1;
    }
    out
}

fn sainte_lague(seats: u32, weights: &[u32], ids: &[&str]) -> Vec<u32> {
    let mut out = vec![0u32; weights.len()];
    for _ in 0..seats {
        let mut best: Option<usize> = None;
        for j in (0..weights.len()).filter(|&j| weights[j] > 0) {
            best = match best {
                None => Some(j),
                Some(b) => {
                    // w_j / (2 s_j + 1) vs w_b / (2 s_b + 1), cross-multiplied.
                    let lhs = u128::from(weights[j]) * u128::from(2 * out[b] + 1);
                    let rhs = u128::from(weights[b]) * u128::from(2 * out[j] + 1);
                    match lhs.cmp(&rhs).reverse().then(tie(weights, ids, j, b)) {
                        Ordering::Less => Some(j),
                        _ => Some(b),
                    }
                }
            };
        }
        if let Some(j) = best {
            out[j] += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC: [&str; 3] = ["A", "B", "C"];

    #[test]
    fn alabama_paradox_largest_remainder() {
        // House 10: quotas 4.286, 4.286, 1.429 → floors 4,4,1 (9); the one
        // seat left goes to C (remainder .429 > .286) → 4,4,2.
        assert_eq!(apportion(Method::LargestRemainder, 10, &[6, 6, 2], &ABC), vec![4, 4, 2]);
        // House 11: quotas 4.714, 4.714, 1.571 → floors 4,4,1; two seats
        // left go to A and B (.714 > .571) → 5,5,1: C lost a seat.
        assert_eq!(apportion(Method::LargestRemainder, 11, &[6, 6, 2], &ABC), vec![5, 5, 1]);
    }

    #[test]
    fn sainte_lague_by_hand() {
        // 53,000 / 24,000 / 23,000 for 7 seats. Averages in order:
        // A 53000, B 24000, C 23000, A 17667 (/3), A 10600 (/5),
        // B 8000 (/3), C 7667 (/3) → A 3, B 2, C 2.
        let w = [53_000, 24_000, 23_000];
        assert_eq!(apportion(Method::SainteLague, 7, &w, &ABC), vec![3, 2, 2]);
        // Hamilton on the same: 3.71, 1.68, 1.61 → 3,1,1 + A, B → 4,2,1.
        assert_eq!(apportion(Method::LargestRemainder, 7, &w, &ABC), vec![4, 2, 1]);
    }

    #[test]
    fn ties_go_to_more_graduates_then_smaller_id() {
        // Equal remainders: 3 seats over 1,1,1 → one each; 1 seat over
        // 1,1 → the smaller id.
        assert_eq!(apportion(Method::LargestRemainder, 1, &[1, 1], &["B", "A"]), vec![0, 1]);
        assert_eq!(apportion(Method::SainteLague, 1, &[1, 1], &["B", "A"]), vec![0, 1]);
        // Sainte-Laguë: 3 seats over 3 and 1: A 3, then A 1 (3/3) ties with
        // B 1 → A has more graduates → A 2; then B 1 > A 0.6 → B.
        assert_eq!(apportion(Method::SainteLague, 3, &[3, 1], &["A", "B"]), vec![2, 1]);
        // Hamilton 5 seats over 2,2: floors 2,2, remainders 2,2 → "A".
        assert_eq!(apportion(Method::LargestRemainder, 5, &[2, 2], &["B", "A"]), vec![2, 3]);
    }

    #[test]
    fn zero_graduates_get_nothing() {
        assert_eq!(apportion(Method::LargestRemainder, 5, &[0, 0], &["A", "B"]), vec![0, 0]);
        assert_eq!(apportion(Method::SainteLague, 5, &[0, 3], &["A", "B"]), vec![0, 5]);
        assert_eq!(apportion(Method::LargestRemainder, 5, &[0, 3], &["A", "B"]), vec![0, 5]);
    }
}
