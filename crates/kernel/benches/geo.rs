//! The geo index with a million points (reports over metropolitan France, denser in towns):
//! viewport queries of a screen (1280 × 800 pixels) at zooms 5 to 18, while points keep
//! arriving; prints the query latency percentiles and the cost of a change.
//!
//! cargo bench -p kernel --bench geo [-- POINTS]

use kernel::geo::{GeoIndex, GeoPoint, MemoryGeo, Viewport};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut next = || rng.next();
    // 200 towns; each point near one of them.
    let towns: Vec<(f64, f64)> = (0..200)
        .map(|_| (42.5 + next() * 8.5, -4.5 + next() * 12.5))
        .collect();
    let point = |rng: &mut Rng, i: usize| {
        let (lat, lon) = towns[(rng.next() * towns.len() as f64) as usize % towns.len()];
        GeoPoint {
            id: format!("r{i}"),
            lat: lat + (rng.next() - 0.5) * 0.1,
            lon: lon + (rng.next() - 0.5) * 0.14,
        }
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let points: Vec<GeoPoint> = (0..n).map(|i| point(&mut rng, i)).collect();
    let g = MemoryGeo::new();
    let t = Instant::now();
    g.load("reports", points);
    println!("{n} points loaded in {:.2} s", t.elapsed().as_secs_f64());

    let view = |rng: &mut Rng, zoom: u8| {
        let (lat, lon) = towns[(rng.next() * towns.len() as f64) as usize % towns.len()];
        // A 1280 × 800 screen: 256-pixel tiles span 360 / 2^zoom degrees of longitude.
        let w = 360.0 / f64::from(1u32 << zoom) * 5.0;
        let h = w * 800.0 / 1280.0 * lat.to_radians().cos();
        Viewport {
            west: lon - w / 2.0,
            south: lat - h / 2.0,
            east: lon + w / 2.0,
            north: lat + h / 2.0,
            zoom,
        }
    };
    let mut times = Vec::new();
    let mut items = 0usize;
    let mut changes = 0usize;
    let mut change_time = 0.0;
    for round in 0..20_000 {
        let v = view(&mut rng, 5 + (round % 14) as u8);
        let t = Instant::now();
        items += g.query("reports", &v).len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        // Reports keep arriving meanwhile: one change every other query.
        if round % 2 == 0 {
            let p = point(&mut rng, n + round);
            let t = Instant::now();
            g.upsert("reports", p);
            change_time += t.elapsed().as_secs_f64();
            changes += 1;
        }
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "viewport queries: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms over {} queries ({} items on average)",
        pct(0.5),
        pct(0.99),
        times[times.len() - 1],
        times.len(),
        items / times.len()
    );
    println!(
        "changes: {changes} in {:.2} s, {:.3} ms each on average (merges of the delta included)",
        change_time,
        change_time * 1000.0 / changes as f64
    );
}

/// A small deterministic generator (xorshift), uniform in [0, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}
