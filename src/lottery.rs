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
/// the label and a newline, so that each ticket hashes only its id. The
/// prefix's whole 64-byte blocks are compressed once per draw, and a ticket
/// compresses just the block (two when the id is long) holding the rest of
/// the prefix, the id and the padding: the odds draw every ticket anew in
/// each of thousands of trials, and a cloned `Sha256` spent as long on its
/// buffering as on the compression itself.
///
/// ```
/// use catchment::lottery::{ticket, DrawTickets};
/// let draw = DrawTickets::new("a long seed, published well before the round was drawn", "public:S1");
/// assert_eq!(draw.ticket("a1"), ticket("a long seed, published well before the round was drawn", "public:S1", "a1"));
/// ```
#[derive(Clone)]
pub struct DrawTickets {
    /// SHA-256's state after the prefix's whole blocks.
    state: [u32; 8],
    /// The prefix's bytes after its whole blocks (the first `tail_len`).
    tail: [u8; 64],
    tail_len: usize,
    /// Bytes of the prefix.
    absorbed: u64,
}

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

impl DrawTickets {
    /// The draw of `label` under `seed`.
    pub fn new(seed: &str, label: &str) -> DrawTickets {
        let mut draw = DrawTickets {
            state: SHA256_IV,
            tail: [0; 64],
            tail_len: 0,
            absorbed: 0,
        };
        for part in [seed.as_bytes(), b"\n", label.as_bytes(), b"\n"] {
            draw.absorbed += part.len() as u64;
            draw.tail_len = fill(&mut draw.state, &mut draw.tail, draw.tail_len, part);
        }
        draw
    }

    /// The ticket of `id` in this draw: `ticket(seed, label, id)`.
    pub fn ticket(&self, id: &str) -> Ticket {
        let mut state = self.state;
        let mut block = self.tail;
        let len = fill(&mut state, &mut block, self.tail_len, id.as_bytes());
        // Padding: a one bit, zeros, and the message's length in bits in
        // the last eight bytes, in a second block when they do not fit.
        block[len] = 0x80;
        block[len + 1..].fill(0);
        if len + 1 > 56 {
            sha2::block_api::compress256(&mut state, &[block]);
            block = [0; 64];
        }
        let bits = (self.absorbed + id.len() as u64) * 8;
        block[56..].copy_from_slice(&bits.to_be_bytes());
        sha2::block_api::compress256(&mut state, &[block]);
        let mut out = [0u8; 32];
        for (word, bytes) in state.iter().zip(out.chunks_exact_mut(4)) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        Ticket(out)
    }
}

/// Appends `bytes` to the `len` bytes in `block`, compressing each block
/// that fills into `state`; returns how many bytes the block then holds
/// (fewer than 64).
fn fill(state: &mut [u32; 8], block: &mut [u8; 64], mut len: usize, mut bytes: &[u8]) -> usize {
    loop {
        let n = (64 - len).min(bytes.len());
        block[len..len + n].copy_from_slice(&bytes[..n]);
        len += n;
        bytes = &bytes[n..];
        if len < 64 {
            return len;
        }
        sha2::block_api::compress256(state, &[*block]);
        len = 0;
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

    /// Every seed length up to two blocks and a bit, with labels of three
    /// lengths and every id length up to two blocks and a bit, crosses
    /// SHA-256's 64-byte blocks and its 55-byte padding edge at every
    /// offset: a draw's absorbed prefix gives the `Sha256` hasher's tickets.
    #[test]
    fn draw_tickets_are_tickets_at_every_block_edge() {
        for seed_len in 0..=130 {
            let seed: String = (0..seed_len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            for label in ["public", "private:X1", "public:S2"] {
                let draw = DrawTickets::new(&seed, label);
                for id_len in 0..=130 {
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

    proptest::proptest! {
        /// Any text (multi-byte characters included) as seed, label and id.
        #[test]
        fn draw_tickets_are_tickets(seed in "\\PC{0,90}", label in "\\PC{0,20}", id in "\\PC{0,70}") {
            proptest::prop_assert_eq!(DrawTickets::new(&seed, &label).ticket(&id), ticket(&seed, &label, &id));
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
