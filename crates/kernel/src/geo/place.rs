//! How pages name a place: its address when one is known, else its commune and its position in
//! words a reader can read ("48,7375° N ; 3,4598° O"), never raw coordinates.

use crate::i18n::Lang;

/// A position in the reader's writing: four decimals (about ten metres), the decimal comma and
/// the cardinal letters of French, or the point and letters of English.
pub fn readable_position(lat: f64, lon: f64, lang: Lang) -> String {
    let (north, south, east, west, sep) = match lang {
        Lang::Fr => ("N", "S", "E", "O", " ; "),
        Lang::En => ("N", "S", "E", "W", ", "),
    };
    let number = |v: f64| {
        let s = format!("{:.4}", v.abs());
        match lang {
            Lang::Fr => s.replace('.', ","),
            Lang::En => s,
        }
    };
    format!(
        "{}° {}{sep}{}° {}",
        number(lat),
        if lat < 0.0 { south } else { north },
        number(lon),
        if lon < 0.0 { west } else { east },
    )
}

/// The name of a place on a page: its address when one is known; else the commune's name (when
/// the referential tells it) followed by the position; else the position alone.
pub fn place_label(address: &str, commune: Option<&str>, lat: f64, lon: f64, lang: Lang) -> String {
    let address = address.trim();
    if !address.is_empty() {
        return address.to_string();
    }
    let position = readable_position(lat, lon, lang);
    match commune.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("{c} ({position})"),
        None => position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_reads_in_the_readers_language() {
        assert_eq!(
            readable_position(48.7375, -3.459803, Lang::Fr),
            "48,7375° N ; 3,4598° O"
        );
        assert_eq!(
            readable_position(-21.1151, 55.5364, Lang::En),
            "21.1151° S, 55.5364° E"
        );
    }

    #[test]
    fn a_place_is_its_address_else_its_commune_else_its_position() {
        assert_eq!(
            place_label(
                "Place Nationale 82000 Montauban",
                Some("Montauban"),
                44.0176,
                1.355,
                Lang::Fr
            ),
            "Place Nationale 82000 Montauban"
        );
        assert_eq!(
            place_label(" ", Some("Lannion"), 48.7375, -3.459803, Lang::Fr),
            "Lannion (48,7375° N ; 3,4598° O)"
        );
        assert_eq!(
            place_label("", None, 44.0176, 1.355, Lang::En),
            "44.0176° N, 1.3550° E"
        );
    }
}
