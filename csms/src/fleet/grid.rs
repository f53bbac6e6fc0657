//! The spatial index of the fleet: a grid of fixed-size cells in degrees, each listing the
//! charge points inside it with their coordinates. A nearest-first query walks rings of cells
//! outward from the visitor, measuring distances from the grid's own copy of the coordinates,
//! and hands the candidates to the caller strictly nearest first, as soon as no unvisited ring
//! can hold anything nearer; it stops when the caller has accepted enough. So a query looks up
//! only the charge points it may answer with, and never scans the whole fleet. Pure data; the
//! fleet guards it with a lock that is never held across an `.await` and is written only when
//! a charge point is placed or moved.

use std::{cmp::Ordering, collections::BinaryHeap, collections::HashMap};

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

/// A place as a point on the unit sphere: comparing two costs a few multiplications, and the
/// straight-line (chord) distance orders places exactly as the great-circle distance does.
type Unit = [f64; 3];

fn unit(lat: f64, lon: f64) -> Unit {
    let (phi, lambda) = (lat.to_radians(), lon.to_radians());
    [
        phi.cos() * lambda.cos(),
        phi.cos() * lambda.sin(),
        phi.sin(),
    ]
}

/// The squared chord between two places on the unit sphere (no cancellation for near ones).
fn chord2(a: &Unit, b: &Unit) -> f64 {
    let (x, y, z) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    x * x + y * y + z * z
}

fn km_of_chord2(chord2: f64) -> f64 {
    2.0 * EARTH_RADIUS_KM * (chord2.sqrt() / 2.0).min(1.0).asin()
}

fn chord2_of_km(km: f64) -> f64 {
    let half_angle = (km / (2.0 * EARTH_RADIUS_KM)).min(std::f64::consts::FRAC_PI_2);
    (2.0 * half_angle.sin()).powi(2)
}

/// Great-circle distance in km.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    km_of_chord2(chord2(&unit(lat1, lon1), &unit(lat2, lon2)))
}

#[derive(Debug)]
struct Entry<K> {
    key: K,
    at: Unit,
}

#[derive(Debug)]
pub struct Grid<K> {
    cells: HashMap<Cell, Vec<Entry<K>>>,
}

impl<K> Default for Grid<K> {
    fn default() -> Self {
        Grid {
            cells: HashMap::new(),
        }
    }
}

/// A key within the radius waiting for its turn, ordered so that the heap pops the nearest.
struct Candidate<'a, K> {
    chord2: f64,
    key: &'a K,
}

impl<K> PartialEq for Candidate<'_, K> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<K> Eq for Candidate<'_, K> {}

impl<K> PartialOrd for Candidate<'_, K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K> Ord for Candidate<'_, K> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap.
        other.chord2.total_cmp(&self.chord2)
    }
}

impl<K: Clone + PartialEq> Grid<K> {
    pub fn insert(&mut self, key: K, lat: f64, lon: f64) {
        self.cells
            .entry(cell_of(lat, lon))
            .or_default()
            .push(Entry {
                key,
                at: unit(lat, lon),
            });
    }

    pub fn remove(&mut self, key: &K, lat: f64, lon: f64) {
        let cell = cell_of(lat, lon);
        if let Some(entries) = self.cells.get_mut(&cell) {
            entries.retain(|e| e.key != *key);
            if entries.is_empty() {
                self.cells.remove(&cell);
            }
        }
    }

    /// Offers `accept` the keys within `radius_km` of `(lat, lon)` with their distance, nearest
    /// first (exactly), until it has accepted `wanted` of them or none is left.
    pub fn nearest(
        &self,
        lat: f64,
        lon: f64,
        radius_km: f64,
        wanted: usize,
        mut accept: impl FnMut(&K, f64) -> bool,
    ) {
        if wanted == 0 {
            return;
        }
        let (ci, cj) = cell_of(lat, lon);
        // The narrowest cell edge anywhere in the search area, so ring bounds never overestimate.
        let max_lat = (lat.abs() + radius_km / KM_PER_DEG).min(89.9);
        let min_edge_km = CELL_DEG * KM_PER_DEG * max_lat.to_radians().cos();
        let max_ring_lat = (radius_km / (CELL_DEG * KM_PER_DEG)).ceil() as i32 + 1;
        let max_ring = (radius_km / min_edge_km).ceil() as i32 + 1;
        let here = unit(lat, lon);
        let within = chord2_of_km(radius_km);
        let mut waiting = BinaryHeap::new();
        let mut accepted = 0;
        for r in 0..=max_ring {
            for (i, j) in ring(ci, cj, r) {
                if (i - ci).abs() > max_ring_lat {
                    continue;
                }
                for e in self.cells.get(&(i, j)).into_iter().flatten() {
                    let chord2 = chord2(&here, &e.at);
                    if chord2 <= within {
                        waiting.push(Candidate {
                            chord2,
                            key: &e.key,
                        });
                    }
                }
            }
            // The visitor may stand anywhere in its cell, so every ring beyond r is at least r
            // cell edges away: what is waiting within that is final. Past the last ring,
            // everything is.
            let settled = if r == max_ring {
                f64::INFINITY
            } else {
                chord2_of_km(f64::from(r) * min_edge_km)
            };
            while let Some(next) = waiting.peek()
                && next.chord2 <= settled
            {
                let next = waiting.pop().expect("peeked");
                if accept(next.key, km_of_chord2(next.chord2)) {
                    accepted += 1;
                    if accepted == wanted {
                        return;
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

    /// The grid offers the same points, in the same order, as a sorted scan of everything,
    /// and offers nothing beyond the last one accepted.
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
        // Only every third point is "free".
        let wants = |k: usize| k.is_multiple_of(3);
        for (lat, lon, radius, wanted) in [
            (43.54, -5.66, 5.0, 10),
            (43.5, -5.7, 50.0, 25),
            (43.6, -5.5, 2.0, 500),
            (43.55, -5.65, 0.5, 1),
        ] {
            let mut offered = Vec::new();
            let mut got = Vec::new();
            grid.nearest(lat, lon, radius, wanted, |&k, d| {
                let (_, plat, plon) = points[k];
                assert_eq!(d, distance_km(lat, lon, plat, plon));
                offered.push(d);
                wants(k).then(|| got.push((d, k))).is_some()
            });
            let mut all: Vec<(f64, usize)> = points
                .iter()
                .map(|(k, plat, plon)| (distance_km(lat, lon, *plat, *plon), *k))
                .filter(|&(d, k)| d <= radius && wants(k))
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            all.truncate(wanted);
            assert_eq!(got, all, "query at {lat},{lon} r={radius}");
            assert!(offered.is_sorted(), "offered out of order");
            if got.len() == wanted {
                let last = got.last().expect("wanted > 0").0;
                assert!(offered.iter().all(|&d| d <= last), "offered past the last");
            }
        }
    }
}
