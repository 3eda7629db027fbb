//! The secrets of sessions, links, tokens and recovery codes: made at random,
//! kept only as their hash.

use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random secret for a cookie or a link: 32 bytes as hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    // The operating system's generator failing is not something to carry on from.
    getrandom::fill(&mut bytes).expect("the system random generator works");
    hex(&bytes)
}

/// How a secret is kept: its SHA-256, so a copy of the database opens no session.
pub fn secret_hash(secret: &str) -> String {
    secret_hash_bytes(secret.as_bytes())
}

/// The SHA-256 of some bytes, in hex.
pub fn secret_hash_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}
