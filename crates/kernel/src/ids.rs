//! Opaque identifiers, secret tokens and time.

use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Fills a buffer with random bytes from the operating system.
///
/// The operating system's generator failing is not recoverable: nothing secret may be
/// produced without it, so this aborts the request that asked.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("the operating system's random generator failed");
    buf
}

/// A new public identifier: 16 characters of an unambiguous base-32 alphabet (80 random bits),
/// so identifiers in URLs and APIs cannot be guessed or enumerated.
pub fn new_id() -> String {
    let bytes = random_bytes::<10>();
    encode32(&bytes)
}

/// A new secret token (256 random bits) for sessions, links sent by mail and API tokens.
pub fn new_token() -> String {
    encode32(&random_bytes::<32>())
}

/// Base-32 encoding with our alphabet (no padding).
fn encode32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// SHA-256 of a secret, in hexadecimal: what the database keeps instead of the secret.
pub fn hash_secret(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// SHA-256 of bytes, in hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes in lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Milliseconds since the Unix epoch: the one time representation of the database.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// An ISO 8601 date-time (UTC, seconds) for a millisecond timestamp.
pub fn iso_datetime(ms: i64) -> String {
    let dt = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    dt.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A calendar date (UTC) for a millisecond timestamp, as `YYYY-MM-DD`.
pub fn iso_date(ms: i64) -> String {
    iso_datetime(ms).chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_16_characters_of_the_alphabet_and_differ() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn tokens_carry_256_bits() {
        assert_eq!(new_token().len(), 52);
    }

    #[test]
    fn secret_hash_is_sha256_hex() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn dates_are_iso() {
        assert_eq!(iso_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_date(86_400_000 * 365), "1971-01-01");
    }
}
