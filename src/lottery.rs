//! Verifiable lottery tickets (spec §3).
//!
//! `ticket(label, id)` is the SHA-256 of `seed + "\n" + label + "\n" + id`.
//! Anyone can recompute it with
//! `printf '%s\n%s\n%s' "$SEED" "$LABEL" "$ID" | sha256sum`.
//! A smaller ticket is served earlier; an applicant's order at a school is
//! (priority, ticket). Tickets depend only on the seed, the label and the
//! id, never on the order of rows.
//!
//! ```
//! use catchment::lottery::{ticket, Ticket};
//! let t: Ticket = ticket("seed", "public", "a1");
//! assert_eq!(t.to_hex().len(), 64);
//! ```

use std::fmt;

use sha2::{Digest, Sha256};

/// A lottery ticket: 32 bytes, compared bytewise (the same order as its
/// lowercase hex).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ticket(pub [u8; 32]);

impl Ord for Ticket {
    /// Bytewise order (tickets are compared on every proposal; this is the
    /// matching's hot path). Compared as four big-endian words, the first of
    /// which almost always decides, inline rather than by a `memcmp` call.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let word = |t: &Ticket, i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&t.0[i * 8..i * 8 + 8]);
            u64::from_be_bytes(w)
        };
        for i in 0..4 {
            let order = word(self, i).cmp(&word(other, i));
            if order.is_ne() {
                return order;
            }
        }
        std::cmp::Ordering::Equal
    }
}

impl PartialOrd for Ticket {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ticket {
    /// Lowercase hex, as written in outputs.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Writes the lowercase hex into a buffer, without allocating (the
    /// largest output has a ticket on every row).
    pub fn hex_into(&self, out: &mut [u8; 64]) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for (pair, byte) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
    }

    /// Parses 64 lowercase hex digits.
    pub fn from_hex(s: &str) -> Option<Ticket> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Ticket(out))
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", &self.to_hex()[..12])
    }
}

/// The ticket of `id` under `label` for a seed.
pub fn ticket(seed: &str, label: &str, id: &str) -> Ticket {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update(b"\n");
    h.update(label.as_bytes());
    h.update(b"\n");
    h.update(id.as_bytes());
    Ticket(h.finalize().into())
}

/// Lowercase hex SHA-256 of some bytes (file hashes, seed commitments).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The tickets of one draw: SHA-256 having absorbed the seed, a newline,
/// the label and a newline, so that each ticket hashes only its id. A draw
/// with a long seed hashes the seed's full 64-byte blocks once, not once per
/// ticket.
///
/// ```
/// use catchment::lottery::{ticket, DrawTickets};
/// let draw = DrawTickets::new("a long seed, published well before the round was drawn", "public:S1");
/// assert_eq!(draw.ticket("a1"), ticket("a long seed, published well before the round was drawn", "public:S1", "a1"));
/// ```
#[derive(Clone)]
pub struct DrawTickets(Sha256);

impl DrawTickets {
    /// The draw of `label` under `seed`.
    pub fn new(seed: &str, label: &str) -> DrawTickets {
        let mut h = Sha256::new();
        h.update(seed.as_bytes());
        h.update(b"\n");
        h.update(label.as_bytes());
        h.update(b"\n");
        DrawTickets(h)
    }

    /// The ticket of `id` in this draw: `ticket(seed, label, id)`.
    pub fn ticket(&self, id: &str) -> Ticket {
        let mut h = self.0.clone();
        h.update(id.as_bytes());
        Ticket(h.finalize().into())
    }
}

/// SHA-256 of a file as lowercase hex, read in 64 KiB blocks so a large
/// input is not held in memory a second time.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut block = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut block) {
            Ok(0) => return Ok(hex::encode(hasher.finalize())),
            Ok(n) => hasher.update(&block[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The commitment to publish before the draw: SHA-256 of the seed's bytes.
pub fn seed_commitment(seed: &str) -> String {
    sha256_hex(seed.as_bytes())
}

/// Checks a published commitment (`seed_commitment` in a `policy.toml`)
/// against the seed: the commitment in lowercase when it is 64 hex digits
/// and SHA-256 of the seed, else what is wrong, in words.
///
/// ```
/// use catchment::lottery::{check_commitment, seed_commitment};
/// let c = seed_commitment("s");
/// assert_eq!(check_commitment("s", &c.to_uppercase()), Ok(c.clone()));
/// assert!(check_commitment("t", &c).unwrap_err().contains("does not match"));
/// ```
pub fn check_commitment(seed: &str, published: &str) -> Result<String, String> {
    let published = published.trim().to_ascii_lowercase();
    let actual = seed_commitment(seed);
    if published.len() != 64 || !published.bytes().all(|b| b.is_ascii_hexdigit()) {
        Err("seed_commitment must be 64 hex digits (the SHA-256 printed by `catchment seed commit`)".to_string())
    } else if published != actual {
        Err(format!(
            "seed does not match the published seed_commitment {published}: SHA-256 of this seed is {actual}; the round is refused"
        ))
    } else {
        Ok(published)
    }
}

/// Label of the private-stage draw at a school.
pub fn private_label(school_id: &str) -> String {
    format!("private:{school_id}")
}

/// Label of a public draw: `public` (single tie-breaking, and the fallback
/// stage) or `public:<school>` (multiple tie-breaking).
pub fn public_label(school_id: Option<&str>) -> String {
    match school_id {
        None => "public".to_string(),
        Some(s) => format!("public:{s}"),
    }
}

/// Order of an applicant or group at a school: lower is served first, by
/// priority and then by ticket (the derived order compares the fields in
/// this order).
///
/// ```
/// use catchment::lottery::{Key, Ticket};
/// let early = Key { priority: 1, ticket: Ticket([9; 32]) };
/// let late = Key { priority: 2, ticket: Ticket([0; 32]) };
/// assert!(early < late); // priority before ticket
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// The priority tier (1 is served first). The senior round packs its
    /// tier and score into this number.
    pub priority: u32,
    /// The lottery ticket, which orders applicants of equal priority.
    pub ticket: Ticket,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_hash_in_blocks_is_the_hash_of_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        // Three blocks and a part, so block edges are crossed.
        let bytes: Vec<u8> = (0..200_003u32).map(|i| (i * 7 % 251) as u8).collect();
        let path = dir.path().join("f");
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(&bytes));
        std::fs::write(&path, b"").unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    // Each expected value computed with:
    // printf '%s\n%s\n%s' "$SEED" "$LABEL" "$ID" | sha256sum
    #[test]
    fn ticket_vectors_match_sha256sum() {
        let seed = "2027 primary round, published 2027-04-30";
        let cases = [
            (
                seed,
                "public",
                "a001",
                "dbfb2184d4c87dba4a8c1528db8602e124729245f09bbd43303a5877a848a575",
            ),
            (
                seed,
                "private:X1",
                "a001",
                "9fa9f94fcd129851ece98e0ad98ebfeb77da25cdb3b1c327deae14c9c7e34a4b",
            ),
            (
                seed,
                "public:S2",
                "group:g7",
                "70b0718c70ca5642bddd4748a6c3b7ac038235711dda9644e2709c091f66fa84",
            ),
            (
                "种子",
                "public",
                "学生1",
                "102949862eba1d20f623c7a7e7da6b1a2f7a8e15c2f4db933fd69c6d271848ce",
            ),
        ];
        for (seed, label, id, expected) in cases {
            assert_eq!(ticket(seed, label, id).to_hex(), expected, "{label} {id}");
            assert_eq!(
                DrawTickets::new(seed, label).ticket(id).to_hex(),
                expected,
                "{label} {id}"
            );
            assert_eq!(Ticket::from_hex(expected), Some(ticket(seed, label, id)));
        }
    }

    #[test]
    fn key_order_is_priority_then_ticket() {
        let keys: Vec<Key> = (0..60)
            .map(|i| Key {
                priority: i % 3 + 1,
                ticket: ticket("s", "public", &format!("a{i}")),
            })
            .collect();
        for a in &keys {
            for b in &keys {
                let by_fields = a.priority.cmp(&b.priority).then(a.ticket.cmp(&b.ticket));
                assert_eq!(a.cmp(b), by_fields, "{a:?} {b:?}");
            }
        }
    }

    /// Seeds, labels and ids around SHA-256's 64-byte block and its 55-byte
    /// padding edge give the same tickets through a draw's absorbed prefix.
    #[test]
    fn draw_tickets_are_tickets_at_every_block_edge() {
        for seed_len in [0, 1, 50, 53, 54, 55, 56, 62, 63, 64, 65, 118, 119, 120, 127, 128, 129] {
            let seed: String = (0..seed_len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            for label in ["public", "private:X1", "public:S2"] {
                let draw = DrawTickets::new(&seed, label);
                for id_len in [0, 1, 7, 40, 64, 70] {
                    let id = "i".repeat(id_len);
                    assert_eq!(
                        draw.ticket(&id),
                        ticket(&seed, label, &id),
                        "{seed_len} {label} {id_len}"
                    );
                }
            }
        }
    }

    #[test]
    fn byte_order_is_hex_order() {
        for i in 0..200 {
            let a = ticket("s", "public", &format!("a{i}"));
            let b = ticket("s", "public", &format!("b{i}"));
            assert_eq!(a.cmp(&b), a.to_hex().cmp(&b.to_hex()));
            assert_eq!(a.cmp(&b), a.0.cmp(&b.0));
            let mut hex = [0u8; 64];
            a.hex_into(&mut hex);
            assert_eq!(hex, a.to_hex().as_bytes());
        }
        // Equal up to the last byte, and up to each word's edge.
        let mut x = [7u8; 32];
        let y = Ticket(x);
        x[31] = 8;
        assert!(y < Ticket(x));
        for i in 0..32 {
            let (mut lo, mut hi) = ([5u8; 32], [5u8; 32]);
            lo[i] = 4;
            hi[i] = 250;
            assert!(Ticket(lo) < Ticket(hi) && Ticket(hi) > Ticket(lo), "byte {i}");
            assert_eq!(Ticket(lo).cmp(&Ticket(lo)), std::cmp::Ordering::Equal);
        }
    }
}
