//! The directory's facet index, kept per node: every published actor's terms, in the order of
//! the list (by name). It is read again when actors change (the applier's count of actor
//! changes, and this node's own writes), so that a list page and the counts of every facet
//! value are one pass in memory and one query for the page's actors, whatever the size.

use crate::error::StoreError;
use kernel::db::{Db, Entity};
use kernel::error::Error;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Every published actor's terms.
pub struct Facets {
    /// The (vocabulary, code) pairs, each once.
    terms: Vec<(String, String)>,
    /// The actors' ids, by name.
    ids: Vec<String>,
    /// Where each actor's terms start in `flat` (one more entry than actors: the end).
    starts: Vec<u32>,
    /// The indexes of every actor's terms, one actor after the other: one run through memory.
    flat: Vec<u32>,
    /// Their positions (latitude, longitude), in the same order.
    positions: Vec<(f64, f64)>,
    /// The actors of each term, by their place in the list, ascending.
    postings: Vec<Vec<u32>>,
    /// The count of each term among all actors: the counts of the unfiltered list.
    totals: Vec<(String, String, i64)>,
    /// The map layers of the last filters asked, most recent last: panning a filtered map
    /// asks the same filters again and again.
    layers: std::sync::Mutex<Vec<(String, std::sync::Arc<kernel::geo::MemoryGeo>)>>,
}

/// How many filtered map layers a node keeps.
const LAYERS_KEPT: usize = 32;

/// The layer name of a filtered map in its own index.
pub const FILTERED: &str = "filtered";

/// One page of a list.
pub struct Selection {
    /// The page's actor ids, in order.
    pub ids: Vec<String>,
    /// How many actors match.
    pub total: usize,
    /// The count of each (vocabulary, code) among the matches.
    pub counts: Vec<(String, String, i64)>,
}

impl Facets {
    /// Reads the index from the database.
    pub async fn load(db: &Db) -> Result<Facets, StoreError> {
        // An actor's row holds every term it is filed under: one read of the table.
        let rows = sqlx::query(
            "SELECT id, lat, lon, kind, themes, activities, publics, departement, region \
             FROM actors WHERE state = 'published' ORDER BY name_key, id",
        )
        .fetch_all(db.pool())
        .await?;
        let mut terms: Vec<(String, String)> = Vec::new();
        let mut interned: HashMap<(&str, String), u32> = HashMap::new();
        let mut actors = Vec::with_capacity(rows.len());
        let mut positions = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut own: Vec<u32> = Vec::new();
            for (column, vocabulary) in [
                ("kind", "kind"),
                ("themes", "theme"),
                ("activities", "activity"),
                ("publics", "public"),
                ("departement", "departement"),
                ("region", "region"),
            ] {
                let value: String = r.try_get(column)?;
                for code in value.split(',').filter(|c| !c.is_empty()) {
                    let t = *interned
                        .entry((vocabulary, code.to_string()))
                        .or_insert_with(|| {
                            terms.push((vocabulary.to_string(), code.to_string()));
                            (terms.len() - 1) as u32
                        });
                    own.push(t);
                }
            }
            actors.push((r.try_get::<String, _>("id")?, own));
            positions.push((r.try_get::<f64, _>("lat")?, r.try_get::<f64, _>("lon")?));
        }
        Ok(Facets::new(terms, actors, positions))
    }

    /// The index of these actors (in the order of the list) and their terms.
    fn new(
        terms: Vec<(String, String)>,
        actors: Vec<(String, Vec<u32>)>,
        positions: Vec<(f64, f64)>,
    ) -> Facets {
        let mut postings = vec![Vec::new(); terms.len()];
        let mut ids = Vec::with_capacity(actors.len());
        let mut starts = Vec::with_capacity(actors.len() + 1);
        let mut flat = Vec::new();
        for (i, (id, own)) in actors.into_iter().enumerate() {
            starts.push(flat.len() as u32);
            for t in &own {
                postings[*t as usize].push(i as u32);
            }
            flat.extend(own);
            ids.push(id);
        }
        starts.push(flat.len() as u32);
        let totals = terms
            .iter()
            .zip(&postings)
            .filter(|(_, p)| !p.is_empty())
            .map(|((v, c), p)| (v.clone(), c.clone(), p.len() as i64))
            .collect();
        Facets {
            terms,
            ids,
            starts,
            flat,
            positions,
            postings,
            totals,
            layers: Default::default(),
        }
    }

    /// The terms of the actor at place `i` of the list.
    fn terms_of(&self, i: usize) -> &[u32] {
        &self.flat[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// The map layer kept for the filters named `key`, if any.
    pub fn cached_layer(&self, key: &str) -> Option<std::sync::Arc<kernel::geo::MemoryGeo>> {
        let mut layers = self.layers.lock().ok()?;
        let i = layers.iter().position(|(k, _)| k == key)?;
        let kept = layers.remove(i);
        let geo = kept.1.clone();
        layers.push(kept);
        Some(geo)
    }

    /// Makes and keeps the map layer (`FILTERED`) of the actors having every chosen term and
    /// among `only`; `key` names these filters.
    pub fn layer(
        &self,
        key: &str,
        chosen: &[(String, String)],
        only: Option<&HashSet<String>>,
    ) -> std::sync::Arc<kernel::geo::MemoryGeo> {
        use kernel::geo::GeoIndex;
        let geo = std::sync::Arc::new(kernel::geo::MemoryGeo::new());
        geo.load(FILTERED, self.points(chosen, only));
        if let Ok(mut layers) = self.layers.lock() {
            if layers.len() >= LAYERS_KEPT {
                layers.remove(0);
            }
            layers.push((key.to_string(), geo.clone()));
        }
        geo
    }

    /// The actors having every chosen term (and among `only`, when given), by their place in
    /// the list: the actors of the rarest chosen term, checked for the others.
    fn matching<'a>(
        &'a self,
        chosen: &[(String, String)],
        only: Option<&'a HashSet<String>>,
    ) -> Box<dyn Iterator<Item = usize> + 'a> {
        let wanted: Option<Vec<u32>> = chosen
            .iter()
            .map(|(v, c)| {
                self.terms
                    .iter()
                    .position(|(tv, tc)| tv == v && tc == c)
                    .map(|i| i as u32)
            })
            .collect();
        let keep = move |i: &usize| only.is_none_or(|o| o.contains(&self.ids[*i]));
        match wanted {
            // A chosen value no actor has: nothing matches.
            None => Box::new(std::iter::empty()),
            Some(wanted) if wanted.is_empty() => Box::new((0..self.ids.len()).filter(keep)),
            Some(wanted) => {
                let rarest = *wanted
                    .iter()
                    .min_by_key(|t| self.postings[**t as usize].len())
                    .expect("at least one term");
                Box::new(
                    self.postings[rarest as usize]
                        .iter()
                        .map(|i| *i as usize)
                        .filter(move |i| {
                            let terms = self.terms_of(*i);
                            wanted.iter().all(|w| terms.contains(w))
                        })
                        .filter(keep),
                )
            }
        }
    }

    /// The positions of the actors having every chosen term (and among `only`): what the live
    /// map of a filtered directory shows.
    pub fn points(
        &self,
        chosen: &[(String, String)],
        only: Option<&HashSet<String>>,
    ) -> Vec<kernel::geo::GeoPoint> {
        self.matching(chosen, only)
            .map(|i| kernel::geo::GeoPoint {
                id: self.ids[i].clone(),
                lat: self.positions[i].0,
                lon: self.positions[i].1,
            })
            .collect()
    }

    /// The actors having every chosen term (and among `only`, when given): a page of their ids
    /// by name, their number, and the facet counts among them.
    pub fn select(
        &self,
        chosen: &[(String, String)],
        only: Option<&HashSet<String>>,
        offset: usize,
        limit: usize,
    ) -> Selection {
        if chosen.is_empty() && only.is_none() {
            let end = offset.saturating_add(limit).min(self.ids.len());
            return Selection {
                ids: self.ids[offset.min(end)..end].to_vec(),
                total: self.ids.len(),
                counts: self.totals.clone(),
            };
        }
        let mut counts = vec![0i64; self.terms.len()];
        let mut ids = Vec::new();
        let mut total = 0;
        for i in self.matching(chosen, only) {
            if total >= offset && ids.len() < limit {
                ids.push(self.ids[i].clone());
            }
            total += 1;
            for t in self.terms_of(i) {
                counts[*t as usize] += 1;
            }
        }
        Selection {
            ids,
            total,
            counts: counts
                .into_iter()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .map(|(i, n)| (self.terms[i].0.clone(), self.terms[i].1.clone(), n))
                .collect(),
        }
    }
}

/// The current facet index.
pub async fn current(state: &kernel::AppState) -> Result<std::sync::Arc<Facets>, Error> {
    kept(state, crate::ACTOR, |db| async move {
        Ok(Facets::load(&db).await?)
    })
    .await
}

/// A value this node reads from the database (the facet index, the taxonomy), one per type.
struct Kept<T>(kernel::app::Derived<T>);

/// This node's value of type `T`, made by `load` again once entities of the kind `changes`
/// changed, by this node's writes or by another node's (as the change feed tells).
pub(crate) async fn kept<T, F, Fut>(
    state: &kernel::AppState,
    changes: Entity,
    load: F,
) -> Result<std::sync::Arc<T>, Error>
where
    T: Send + Sync + 'static,
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let cache = state.extension(|_| Kept::<T>(Default::default()));
    let at = (
        state.applier().version_of(changes),
        state.db().generation_of(changes),
    );
    let db = state.db().clone();
    cache.0.get(at, || load(db)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_counts_the_facets_of_its_matches_and_pages_them_by_name() {
        let t = |v: &str, c: &str| (v.to_string(), c.to_string());
        let f = Facets::new(
            vec![
                t("kind", "fablab"),
                t("theme", "education"),
                t("theme", "water"),
            ],
            vec![
                ("a".into(), vec![0, 1]),
                ("b".into(), vec![0, 2]),
                ("c".into(), vec![1]),
            ],
            vec![(48.0, -3.0), (44.0, 1.3), (43.6, 1.4)],
        );
        let s = f.select(&[t("kind", "fablab")], None, 0, 10);
        assert_eq!(s.ids, ["a", "b"]);
        assert_eq!(s.total, 2);
        assert!(s.counts.contains(&("theme".into(), "water".into(), 1)));
        assert!(s.counts.contains(&("kind".into(), "fablab".into(), 2)));
        let page = f.select(&[], None, 1, 1);
        assert_eq!((page.ids, page.total), (vec!["b".to_string()], 3));
        let all = f.select(&[], None, 0, 10);
        assert!(
            all.counts
                .contains(&("theme".into(), "education".into(), 2))
        );
        assert_eq!(all.counts.len(), 3);
        assert!(f.select(&[], None, 5, 10).ids.is_empty());
        let both = f.select(&[t("theme", "education"), t("kind", "fablab")], None, 0, 10);
        assert_eq!((both.ids, both.total), (vec!["a".to_string()], 1));
        let only: HashSet<String> = ["c".to_string()].into();
        assert_eq!(f.select(&[], Some(&only), 0, 10).ids, ["c"]);
        assert_eq!(f.select(&[t("theme", "fire")], None, 0, 10).total, 0);
        let points = f.points(&[t("theme", "water")], None);
        assert_eq!(points.len(), 1);
        assert_eq!((points[0].id.as_str(), points[0].lat), ("b", 44.0));
        assert!(f.points(&[t("theme", "fire")], None).is_empty());
    }
}
