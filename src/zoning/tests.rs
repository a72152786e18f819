//! Unit tests of the zoning pipeline on small generated scenarios live in
//! `tests/propose_zones.rs`; here, the pieces that need private access.

use super::*;

#[test]
fn voronoi_cell_halves_a_square() {
    let bound = geo::Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 10.0 });
    let left = voronoi_cell((2.0, 5.0), &[(8.0, 5.0)], bound);
    assert!((left.unsigned_area() - 50.0).abs() < 1e-9);
    let none = voronoi_cell((2.0, 5.0), &[(2.0, 5.0)], bound);
    assert!(none.unsigned_area() < 1e-9 || none.unsigned_area() > 99.0);
}

#[test]
fn merge_keeps_cost_order() {
    let m = Merge {
        a: vec![(3, 1.0), (1, 5.0)].into_iter().peekable(),
        b: vec![(0, 2.0), (2, 5.0), (4, 9.0)].into_iter().peekable(),
    };
    assert_eq!(m.map(|x| x.0).collect::<Vec<_>>(), vec![3, 0, 1, 2, 4]);
}
