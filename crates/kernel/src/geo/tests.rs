use super::*;

#[test]
fn positions_are_wgs84_and_measure_distances() {
    let lannion = Position::parse("48,7326", "-3.4566").unwrap();
    let perros = Position::parse("48.8148", "-3.4438").unwrap();
    let d = lannion.distance_m(&perros);
    assert!((9_000.0..9_300.0).contains(&d), "{d}");
    assert_eq!(
        Position::parse("91", "0").unwrap_err().code,
        "position.range"
    );
    assert_eq!(
        Position::parse("x", "0").unwrap_err().code,
        "position.format"
    );
    assert_eq!(
        Position::parse("NaN", "0").unwrap_err().code,
        "position.format"
    );
}

fn p(id: &str, lat: f64, lon: f64) -> GeoPoint {
    GeoPoint {
        id: id.into(),
        lat,
        lon,
    }
}

const FRANCE: Viewport = Viewport {
    west: -5.5,
    south: 41.0,
    east: 10.0,
    north: 51.5,
    zoom: 5,
};

#[test]
fn far_points_stay_apart_and_close_points_cluster() {
    let g = MemoryGeo::new();
    g.load(
        "actors",
        vec![
            p("lannion", 48.7326, -3.4566),
            p("lannion2", 48.7330, -3.4570),
            p("montauban", 44.0176, 1.3550),
        ],
    );
    let items = g.query("actors", &FRANCE);
    assert_eq!(items.len(), 2);
    let cluster = items.iter().find_map(|i| match i {
        GeoItem::Cluster { count, lat, .. } => Some((*count, *lat)),
        _ => None,
    });
    assert_eq!(cluster.map(|c| c.0), Some(2));
    assert!((cluster.unwrap().1 - 48.7328).abs() < 1e-6, "the centroid");
    assert!(items.contains(&GeoItem::Point(p("montauban", 44.0176, 1.3550))));
    // Zoomed in on Lannion, the two come apart.
    let street = Viewport {
        west: -3.47,
        south: 48.72,
        east: -3.44,
        north: 48.74,
        zoom: 18,
    };
    let items = g.query("actors", &street);
    assert_eq!(
        items
            .iter()
            .filter(|i| matches!(i, GeoItem::Point(_)))
            .count(),
        2
    );
}

#[test]
fn every_point_is_counted_once_at_every_zoom() {
    let g = MemoryGeo::new();
    let mut pts = Vec::new();
    let mut seed = 7u64;
    for i in 0..5000 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let lat = 42.0 + (seed >> 40) as f64 / (1u64 << 24) as f64 * 9.0;
        let lon = -4.5 + (seed & 0xffffff) as f64 / (1u64 << 24) as f64 * 12.0;
        pts.push(p(&i.to_string(), lat, lon));
    }
    g.load("reports", pts);
    for zoom in 0..=18 {
        // A world view at street zoom is no viewport a map asks for; it is answered all the same.
        let world = Viewport {
            west: -180.0,
            south: -85.0,
            east: 180.0,
            north: 85.0,
            zoom,
        };
        let total: usize = g
            .query("reports", &world)
            .iter()
            .map(|i| match i {
                GeoItem::Point(_) => 1,
                GeoItem::Cluster { count, .. } => *count,
            })
            .sum();
        assert_eq!(total, 5000, "zoom {zoom}");
    }
}

#[test]
fn points_move_and_go() {
    let g = MemoryGeo::new();
    g.upsert("l", p("a", 48.0, -3.0));
    g.upsert("l", p("a", 44.0, 1.0));
    assert_eq!(g.len("l"), 1);
    assert_eq!(
        g.query("l", &FRANCE),
        vec![GeoItem::Point(p("a", 44.0, 1.0))]
    );
    // Not in view: not answered.
    let brittany = Viewport {
        west: -5.0,
        south: 47.0,
        east: -1.0,
        north: 49.0,
        zoom: 8,
    };
    assert!(g.query("l", &brittany).is_empty());
    // Views across the antimeridian, or upside down, do not panic.
    let pacific = Viewport {
        west: 170.0,
        south: -20.0,
        east: -170.0,
        north: 0.0,
        zoom: 4,
    };
    g.upsert("l", p("wallis", -13.28, -176.17));
    assert_eq!(g.query("l", &pacific).len(), 1);
    let upside_down = Viewport {
        south: 10.0,
        north: 0.0,
        ..pacific
    };
    assert!(g.query("l", &upside_down).is_empty());
    g.remove("l", "wallis");
    g.remove("l", "a");
    assert!(g.query("l", &FRANCE).is_empty());
    assert_eq!(g.len("unknown"), 0);
}

#[test]
fn changes_through_the_delta_answer_as_a_fresh_layer() {
    // Random moves, additions and removals (enough to merge the delta several times) give
    // exactly the answers of a layer built from the final points.
    let mut seed = 7u64;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let g = MemoryGeo::new();
    let mut truth: HashMap<String, GeoPoint> = HashMap::new();
    let point = |id: u64, a: u64, b: u64| GeoPoint {
        id: format!("p{id}"),
        lat: 44.0 + a as f64 / 10_000.0,
        lon: 1.3 + b as f64 / 10_000.0,
    };
    let start: Vec<GeoPoint> = (0..500).map(|i| point(i, next(2000), next(2000))).collect();
    for p in &start {
        truth.insert(p.id.clone(), p.clone());
    }
    g.load("r", start);
    let views = [
        Viewport {
            west: 1.3,
            south: 44.0,
            east: 1.5,
            north: 44.2,
            zoom: 12,
        },
        Viewport {
            west: 1.3,
            south: 44.0,
            east: 1.5,
            north: 44.2,
            zoom: 18,
        },
        Viewport {
            west: 1.35,
            south: 44.05,
            east: 1.37,
            north: 44.07,
            zoom: 16,
        },
        Viewport {
            west: -10.0,
            south: 40.0,
            east: 10.0,
            north: 50.0,
            zoom: 5,
        },
    ];
    let sorted = |mut v: Vec<GeoItem>| {
        v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        v
    };
    for step in 0..600 {
        let id = next(700);
        match next(3) {
            0 => {
                g.remove("r", &format!("p{id}"));
                truth.remove(&format!("p{id}"));
            }
            _ => {
                let p = point(id, next(2000), next(2000));
                truth.insert(p.id.clone(), p.clone());
                g.upsert("r", p);
            }
        }
        if step % 50 == 0 {
            let fresh = MemoryGeo::new();
            fresh.load("r", truth.values().cloned().collect());
            assert_eq!(g.len("r"), truth.len());
            for v in &views {
                let (a, b) = (sorted(g.query("r", v)), sorted(fresh.query("r", v)));
                assert_eq!(a.len(), b.len(), "step {step}");
                for (x, y) in a.iter().zip(&b) {
                    match (x, y) {
                        (GeoItem::Point(p), GeoItem::Point(q)) => assert_eq!(p, q),
                        (
                            GeoItem::Cluster { lat, lon, count },
                            GeoItem::Cluster {
                                lat: l2,
                                lon: o2,
                                count: c2,
                            },
                        ) => {
                            assert_eq!(count, c2);
                            assert!((lat - l2).abs() < 1e-9 && (lon - o2).abs() < 1e-9);
                        }
                        other => panic!("step {step}: {other:?}"),
                    }
                }
            }
        }
    }
}
