//! [`Uuid`]: the IDL's `uuid` type, 16 bytes in RFC 4122 order.

use std::fmt;

/// A Thrift `uuid`: 16 bytes in RFC 4122 (network) order, displayed as `8-4-4-4-12` lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The uuid with these bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Uuid(bytes)
    }

    /// The 16 bytes, as they travel on the wire.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parses the `8-4-4-4-12` hex form (either case); `None` if it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 36 {
            return None;
        }
        let mut out = [0u8; 16];
        let mut nibbles = 0;
        for (index, &byte) in bytes.iter().enumerate() {
            if matches!(index, 8 | 13 | 18 | 23) {
                if byte != b'-' {
                    return None;
                }
                continue;
            }
            let value = char::from(byte).to_digit(16)? as u8;
            out[nibbles / 2] |= if nibbles % 2 == 0 { value << 4 } else { value };
            nibbles += 1;
        }
        Some(Uuid(out))
    }
}

impl From<[u8; 16]> for Uuid {
    fn from(bytes: [u8; 16]) -> Self {
        Uuid(bytes)
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, byte) in self.0.iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::Uuid;

    #[test]
    fn display_and_parse_agree() {
        let text = "123e4567-e89b-12d3-a456-426614174000";
        let uuid = Uuid::parse(text).unwrap();
        assert_eq!(uuid.0[0], 0x12);
        assert_eq!(uuid.0[15], 0x00);
        assert_eq!(uuid.to_string(), text);
        assert_eq!(
            Uuid::parse("123E4567-E89B-12D3-A456-426614174000"),
            Some(uuid)
        );
    }

    #[test]
    fn rejects_malformed_text() {
        assert_eq!(Uuid::parse("123e4567e89b12d3a456426614174000"), None);
        assert_eq!(Uuid::parse("123e4567-e89b-12d3-a456-42661417400g"), None);
        assert_eq!(Uuid::parse("123e4567-e89b-12d3-a456_426614174000"), None);
    }
}
