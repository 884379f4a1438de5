//! The SHA-256 of a sequence of fields, each prefixed with its length so that no two different
//! sequences hash the same bytes: the key of everything kept by what it was made from (a key
//! result's inputs, a repository's CI scan, the lowered workspace).

use sha2::{Digest, Sha256};

/// Fields fed one after the other.
pub(crate) struct FieldHash(Sha256);

impl FieldHash {
    /// No field yet.
    pub(crate) fn new() -> Self {
        Self(Sha256::new())
    }

    /// Feeds one field.
    pub(crate) fn field(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// The digest of the fields fed.
    pub(crate) fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }

    /// The digest as 64 lowercase hex digits.
    pub(crate) fn finish_hex(self) -> String {
        hex(&self.finish())
    }
}

/// `bytes` in lowercase hexadecimal. Written by hand: a `format!` per byte was 2% of measuring a
/// portfolio again, which names thousands of evidence runs by such prints (issue 12).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_writes_every_byte_as_format_does() {
        let every: Vec<u8> = (0..=255).collect();
        let expected: String = every.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&every), expected);
        assert_eq!(hex(&[]), "");
    }
}
