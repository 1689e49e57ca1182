//! Reading the referential: from the JSON files of `@etalab/decoupage-administratif` (MIT), and
//! from the compact extract embedded in the binary (made from those files).

use super::model::{Territory, TerritoryKind};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// The embedded extract: one territory a line, tab-separated.
pub const EMBEDDED: &str = include_str!("../../data/territories.tsv");

#[derive(Deserialize)]
struct RawRegion {
    code: String,
    nom: String,
}

#[derive(Deserialize)]
struct RawDepartement {
    code: String,
    nom: String,
    region: String,
}

#[derive(Deserialize)]
struct RawMember {
    code: String,
}

#[derive(Deserialize)]
struct RawEpci {
    code: String,
    nom: String,
    #[serde(default)]
    membres: Vec<RawMember>,
}

#[derive(Deserialize)]
struct RawCommune {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    departement: Option<String>,
    region: Option<String>,
    #[serde(default, rename = "codesPostaux")]
    postcodes: Vec<String>,
    population: Option<i64>,
}

/// A problem reading the files, in one sentence.
#[derive(Debug)]
pub struct ImportError(pub String);

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<T, ImportError> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ImportError(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        ImportError(format!(
            "{} is not in the expected format: {e}",
            path.display()
        ))
    })
}

/// Reads `regions.json`, `departements.json`, `epci.json` and `communes.json` from `dir`
/// (the `data/` folder of the npm package). Current communes only; populations of régions,
/// départements and EPCI are the sums of their communes'.
pub fn read_etalab_dir(dir: &Path) -> Result<Vec<Territory>, ImportError> {
    let regions: Vec<RawRegion> = read_json(dir, "regions.json")?;
    let departements: Vec<RawDepartement> = read_json(dir, "departements.json")?;
    let epcis: Vec<RawEpci> = read_json(dir, "epci.json")?;
    let communes: Vec<RawCommune> = read_json(dir, "communes.json")?;

    let mut epci_of: HashMap<&str, &str> = HashMap::new();
    for e in &epcis {
        for m in &e.membres {
            epci_of.insert(m.code.as_str(), e.code.as_str());
        }
    }
    let dep_region: HashMap<&str, &str> = departements
        .iter()
        .map(|d| (d.code.as_str(), d.region.as_str()))
        .collect();

    let mut out = Vec::new();
    let mut sums: HashMap<(TerritoryKind, String), i64> = HashMap::new();
    for c in communes.iter().filter(|c| c.kind == "commune-actuelle") {
        let pop = c.population;
        if let Some(p) = pop {
            if let Some(r) = &c.region {
                *sums.entry((TerritoryKind::Region, r.clone())).or_default() += p;
            }
            if let Some(d) = &c.departement {
                *sums
                    .entry((TerritoryKind::Departement, d.clone()))
                    .or_default() += p;
            }
            if let Some(e) = epci_of.get(c.code.as_str()) {
                *sums
                    .entry((TerritoryKind::Epci, e.to_string()))
                    .or_default() += p;
            }
        }
        out.push(Territory {
            kind: TerritoryKind::Commune,
            code: c.code.clone(),
            name: c.nom.clone(),
            population: pop,
            postcodes: c.postcodes.clone(),
            region: c.region.clone(),
            departement: c.departement.clone(),
            epci: epci_of.get(c.code.as_str()).map(|s| s.to_string()),
        });
    }
    let sum = |k: TerritoryKind, code: &str| sums.get(&(k, code.to_string())).copied();
    for r in &regions {
        out.push(Territory {
            kind: TerritoryKind::Region,
            code: r.code.clone(),
            name: r.nom.clone(),
            population: sum(TerritoryKind::Region, &r.code),
            postcodes: vec![],
            region: None,
            departement: None,
            epci: None,
        });
    }
    for d in &departements {
        out.push(Territory {
            kind: TerritoryKind::Departement,
            code: d.code.clone(),
            name: d.nom.clone(),
            population: sum(TerritoryKind::Departement, &d.code),
            postcodes: vec![],
            region: Some(d.region.clone()),
            departement: None,
            epci: None,
        });
    }
    let dep_of: HashMap<&str, &str> = communes
        .iter()
        .filter(|c| c.kind == "commune-actuelle")
        .filter_map(|c| Some((c.code.as_str(), c.departement.as_deref()?)))
        .collect();
    for e in &epcis {
        // An EPCI lies in the département of most of its members (a few straddle two).
        let mut deps: HashMap<&str, usize> = HashMap::new();
        for m in &e.membres {
            if let Some(d) = dep_of.get(m.code.as_str()) {
                *deps.entry(d).or_default() += 1;
            }
        }
        let dep = deps
            .into_iter()
            .max_by_key(|(d, n)| (*n, std::cmp::Reverse(*d)))
            .map(|(d, _)| d.to_string());
        out.push(Territory {
            kind: TerritoryKind::Epci,
            code: e.code.clone(),
            name: e.nom.clone(),
            population: sum(TerritoryKind::Epci, &e.code),
            postcodes: vec![],
            region: dep
                .as_deref()
                .and_then(|d| dep_region.get(d))
                .map(|s| s.to_string()),
            departement: dep,
            epci: None,
        });
    }
    out.sort_by(|a, b| (a.kind, &a.code).cmp(&(b.kind, &b.code)));
    Ok(out)
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Parses the extract format: `kind code name population postcodes region departement epci`,
/// tab-separated, postcodes space-separated.
pub fn parse_extract(text: &str) -> Result<Vec<Territory>, ImportError> {
    let mut out = Vec::with_capacity(40_000);
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 8 {
            return Err(ImportError(format!(
                "line {}: expected 8 fields, found {}",
                i + 1,
                f.len()
            )));
        }
        let kind = TerritoryKind::parse(f[0])
            .map_err(|_| ImportError(format!("line {}: unknown kind {}", i + 1, f[0])))?;
        let population = if f[3].is_empty() {
            None
        } else {
            Some(
                f[3].parse()
                    .map_err(|_| ImportError(format!("line {}: bad population", i + 1)))?,
            )
        };
        out.push(Territory {
            kind,
            code: f[1].to_string(),
            name: f[2].to_string(),
            population,
            postcodes: f[4]
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            region: opt(f[5]),
            departement: opt(f[6]),
            epci: opt(f[7]),
        });
    }
    Ok(out)
}

/// Writes territories in the extract format.
pub fn write_extract(territories: &[Territory]) -> String {
    let mut out = String::from(
        "# Territoires: French administrative referential, extract of @etalab/decoupage-administratif (MIT). See SOURCE.md.\n",
    );
    for t in territories {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            t.kind.as_str(),
            t.code,
            t.name,
            t.population.map(|p| p.to_string()).unwrap_or_default(),
            t.postcodes.join(" "),
            t.region.as_deref().unwrap_or(""),
            t.departement.as_deref().unwrap_or(""),
            t.epci.as_deref().unwrap_or(""),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_extract_knows_lannion_and_its_parents() {
        let all = parse_extract(EMBEDDED).unwrap();
        assert!(all.len() > 35_000, "{}", all.len());
        let lannion = all
            .iter()
            .find(|t| t.kind == TerritoryKind::Commune && t.code == "22113")
            .unwrap();
        assert_eq!(lannion.name, "Lannion");
        assert_eq!(lannion.departement.as_deref(), Some("22"));
        assert_eq!(lannion.region.as_deref(), Some("53"));
        assert!(lannion.postcodes.contains(&"22300".to_string()));
        let epci = lannion.epci.as_deref().unwrap();
        assert!(all.iter().any(|t| t.kind == TerritoryKind::Epci
            && t.code == epci
            && t.name.contains("Lannion")));
        assert!(
            all.iter().any(|t| t.kind == TerritoryKind::Region
                && t.code == "76"
                && t.name == "Occitanie")
        );
    }

    #[test]
    fn the_extract_round_trips() {
        let all = parse_extract(EMBEDDED).unwrap();
        let again = parse_extract(&write_extract(&all)).unwrap();
        assert_eq!(all, again);
    }

    #[test]
    fn a_malformed_extract_names_its_line() {
        let e = parse_extract("commune\t1\tx\n").unwrap_err();
        assert!(e.0.starts_with("line 1"), "{}", e.0);
    }
}
