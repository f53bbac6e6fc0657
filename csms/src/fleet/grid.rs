//! The spatial index of the fleet: a grid of fixed-size cells in degrees, each listing the
//! charge points inside it. A nearest-first query walks rings of cells outward from the
//! visitor and stops as soon as no farther ring can hold anything nearer, so it never scans
//! the whole fleet. Pure data; the fleet guards it with a lock that is never held across an
//! `.await` and is written only when a charge point is placed or moved.

use std::collections::HashMap;

/// Cell edge in degrees: about 1.1 km north-south, 0.8 km east-west at Gijón's latitude.
const CELL_DEG: f64 = 0.01;
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Kilometres per degree of latitude.
const KM_PER_DEG: f64 = 111.195;

type Cell = (i32, i32);

fn cell_of(lat: f64, lon: f64) -> Cell {
    (
        (lat / CELL_DEG).floor() as i32,
        (lon / CELL_DEG).floor() as i32,
    )
}

/// Great-circle distance in km (haversine).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
}

#[derive(Debug)]
pub struct Grid<K> {
    cells: HashMap<Cell, Vec<K>>,
}

impl<K> Default for Grid<K> {
    fn default() -> Self {
        Grid {
            cells: HashMap::new(),
        }
    }
}

impl<K: Clone + PartialEq> Grid<K> {
    pub fn insert(&mut self, key: K, lat: f64, lon: f64) {
        self.cells.entry(cell_of(lat, lon)).or_default().push(key);
    }

    pub fn remove(&mut self, key: &K, lat: f64, lon: f64) {
        let cell = cell_of(lat, lon);
        if let Some(keys) = self.cells.get_mut(&cell) {
            keys.retain(|k| k != key);
            if keys.is_empty() {
                self.cells.remove(&cell);
            }
        }
    }

    /// Visits the keys in rings of cells around `(lat, lon)`, nearest rings first, within
    /// `radius_km`. `visit` gets each key and returns the distance of what it accepted, if it
    /// accepted it; the walk stops once `wanted` results are in hand and the next ring cannot
    /// beat the farthest of the `wanted` nearest.
    pub fn nearest(
        &self,
        lat: f64,
        lon: f64,
        radius_km: f64,
        wanted: usize,
        mut visit: impl FnMut(&K) -> Option<f64>,
    ) {
        let (ci, cj) = cell_of(lat, lon);
        // The narrowest cell edge anywhere in the search area, so ring bounds never overestimate.
        let max_lat = (lat.abs() + radius_km / KM_PER_DEG).min(89.9);
        let min_edge_km = CELL_DEG * KM_PER_DEG * max_lat.to_radians().cos();
        let max_ring_lat = (radius_km / (CELL_DEG * KM_PER_DEG)).ceil() as i32 + 1;
        let max_ring = (radius_km / min_edge_km).ceil() as i32 + 1;
        let mut found: Vec<f64> = Vec::new();
        for r in 0..=max_ring {
            // The visitor may stand anywhere in its cell, so ring r (and everything farther) is
            // at least r - 1 cell edges away.
            if found.len() >= wanted {
                found.sort_by(f64::total_cmp);
                if found[wanted - 1] <= f64::from((r - 1).max(0)) * min_edge_km {
                    return;
                }
            }
            for (i, j) in ring(ci, cj, r) {
                if (i - ci).abs() > max_ring_lat {
                    continue;
                }
                if let Some(keys) = self.cells.get(&(i, j)) {
                    for key in keys {
                        if let Some(d) = visit(key) {
                            found.push(d);
                        }
                    }
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.cells.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// The cells at Chebyshev distance exactly `r` from `(ci, cj)`.
fn ring(ci: i32, cj: i32, r: i32) -> impl Iterator<Item = Cell> {
    let side = -r..=r;
    side.clone().flat_map(move |di| {
        let edge = di.abs() == r;
        let djs: Box<dyn Iterator<Item = i32>> = if edge {
            Box::new(-r..=r)
        } else {
            Box::new([-r, r].into_iter())
        };
        djs.map(move |dj| (ci + di, cj + dj))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_cover_each_cell_once() {
        let mut seen = std::collections::HashSet::new();
        for r in 0..4 {
            for cell in ring(0, 0, r) {
                assert!(seen.insert(cell), "{cell:?} twice");
            }
        }
        assert_eq!(seen.len(), 49);
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        // Gijón, Plaza Mayor → Oviedo cathedral: about 23.5 km.
        let d = distance_km(43.5453, -5.6635, 43.3625, -5.8434);
        assert!((d - 24.8).abs() < 1.5, "{d}");
        assert_eq!(distance_km(1.0, 1.0, 1.0, 1.0), 0.0);
    }

    /// The grid finds the same nearest points as a scan of everything.
    #[test]
    fn nearest_agrees_with_a_full_scan() {
        let mut grid = Grid::default();
        let mut points = Vec::new();
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for k in 0..2000 {
            let (lat, lon) = (43.4 + next() * 0.3, -5.9 + next() * 0.4);
            grid.insert(k, lat, lon);
            points.push((k, lat, lon));
        }
        for (lat, lon, radius, wanted) in [
            (43.54, -5.66, 5.0, 10),
            (43.5, -5.7, 50.0, 25),
            (43.6, -5.5, 2.0, 500),
        ] {
            let mut got = Vec::new();
            grid.nearest(lat, lon, radius, wanted, |k| {
                let (_, plat, plon) = points[*k];
                let d = distance_km(lat, lon, plat, plon);
                (d <= radius).then(|| {
                    got.push((d, *k));
                    d
                })
            });
            got.sort_by(|a, b| a.0.total_cmp(&b.0));
            got.truncate(wanted);
            let mut all: Vec<(f64, usize)> = points
                .iter()
                .map(|(k, plat, plon)| (distance_km(lat, lon, *plat, *plon), *k))
                .filter(|(d, _)| *d <= radius)
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            all.truncate(wanted);
            assert_eq!(got, all, "query at {lat},{lon} r={radius}");
        }
    }
}
