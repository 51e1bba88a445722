//! UTF-8 validation of decoded strings, with a fast path for ASCII.
//!
//! Most strings on the wire are short and ASCII. The standard validator is not inlined and spends much of a
//! short string's time on its call and its alignment prologue; checking eight bytes at a time (with
//! overlapping loads for the tail) and skipping the validator when no byte has its high bit set makes a
//! decoded short string markedly cheaper. This module holds the runtime's only `unsafe` code.

/// Whether every byte of `bytes` is ASCII, eight bytes at a time.
#[inline(always)]
fn is_ascii(bytes: &[u8]) -> bool {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        // The last eight bytes overlap the last whole chunk, so no byte is looked at one by one.
        let mut seen = u64::from_ne_bytes(*tail);
        seen |= u64::from_ne_bytes(*head);
        for chunk in bytes[8..].chunks_exact(8) {
            seen |= u64::from_ne_bytes(chunk.try_into().expect("chunks of eight"));
        }
        seen & HIGH_BITS == 0
    } else if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (u32::from_ne_bytes(*head) | u32::from_ne_bytes(*tail)) & 0x8080_8080 == 0
    } else {
        // Zero to three bytes.
        bytes.iter().fold(0, |seen, byte| seen | byte) & 0x80 == 0
    }
}

/// `bytes` as text, or `None` when they are not UTF-8.
#[inline(always)]
pub(super) fn utf8(bytes: &[u8]) -> Option<&str> {
    if is_ascii(bytes) {
        // SAFETY: every byte is below 0x80, and a sequence of ASCII bytes is valid UTF-8.
        #[allow(unsafe_code)]
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn every_length_up_to_forty_with_one_high_byte_anywhere() {
        for len in 0..=40 {
            let ascii = vec![b'a'; len];
            assert_eq!(utf8(&ascii), Some(std::str::from_utf8(&ascii).unwrap()));
            for at in 0..len {
                let mut bytes = ascii.clone();
                bytes[at] = 0x80;
                assert!(!is_ascii(&bytes), "len {len}, high byte at {at}");
                assert_eq!(utf8(&bytes), None);
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_standard_validator(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert_eq!(utf8(&bytes), std::str::from_utf8(&bytes).ok());
            prop_assert_eq!(is_ascii(&bytes), bytes.is_ascii());
        }

        #[test]
        fn accepts_multibyte_text(text in "\\PC{0,40}") {
            prop_assert_eq!(utf8(text.as_bytes()), Some(text.as_str()));
        }
    }
}
