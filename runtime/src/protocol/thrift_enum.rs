//! [`ThriftEnum`]: how a Thrift enum, generated or hand-written, travels on the wire (as an `i32`).

use crate::protocol::{DecodeError, DecodeErrorKind, EncodeError};
use crate::protocol::{Reader, Writer};

/// A Thrift enum: a type whose values travel on the wire as an `i32`.
///
/// Generated enums are `i32` newtypes and hold any value, so an unknown value read from the wire is kept
/// and written back unchanged. `#[derive(ThriftEnum)]` on a field-less Rust enum maps each variant to its
/// value; a value no variant names fails to decode with [`DecodeErrorKind::UnknownEnumValue`](crate::DecodeErrorKind::UnknownEnumValue), unless a
/// `#[thrift(other)] Unknown(i32)` variant keeps it. Struct fields, union variants, container elements and
/// map keys of any `ThriftEnum` type are encoded alike, so a hand-written enum works wherever a generated
/// one does.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Thrift enum",
    label = "not a Thrift enum",
    note = "derive it with `#[derive(ThriftEnum)]`, or generate it from an IDL `enum`"
)]
pub trait ThriftEnum: Sized {
    /// The enum's name, for errors.
    const NAME: &'static str;

    /// The value on the wire.
    fn to_i32(&self) -> i32;

    /// The enum value for `value` from the wire, or `None` if the enum cannot hold it.
    fn from_i32(value: i32) -> Option<Self>;
}

/// Reads an enum value, failing with [`DecodeErrorKind::UnknownEnumValue`](crate::DecodeErrorKind::UnknownEnumValue) on one the enum cannot hold.
#[inline]
pub fn read_enum<E: ThriftEnum, R: Reader + ?Sized>(reader: &mut R) -> Result<E, DecodeError> {
    let offset = reader.position();
    let value = reader.read_i32()?;
    match E::from_i32(value) {
        Some(known) => Ok(known),
        None => Err(unknown_value(offset, E::NAME, value)),
    }
}

/// Writes an enum value.
#[inline]
pub fn write_enum<E: ThriftEnum, W: Writer + ?Sized>(
    writer: &mut W,
    value: &E,
) -> Result<(), EncodeError> {
    writer.write_i32(value.to_i32())
}

#[cold]
fn unknown_value(offset: usize, enum_name: &'static str, value: i32) -> DecodeError {
    DecodeError::from(DecodeErrorKind::UnknownEnumValue {
        offset,
        enum_name,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::binary::{BinaryReader, BinaryWriter};
    use crate::{Limits, SliceInput};

    /// A strict enum, as `#[derive(ThriftEnum)]` writes one without a catch-all variant.
    #[derive(Debug, PartialEq)]
    enum Color {
        Red,
        Green,
    }

    impl ThriftEnum for Color {
        const NAME: &'static str = "Color";

        fn to_i32(&self) -> i32 {
            match self {
                Color::Red => 1,
                Color::Green => 2,
            }
        }

        fn from_i32(value: i32) -> Option<Self> {
            match value {
                1 => Some(Color::Red),
                2 => Some(Color::Green),
                _ => None,
            }
        }
    }

    #[test]
    fn values_travel_as_big_endian_i32_in_binary() {
        let mut out = Vec::new();
        write_enum(&mut BinaryWriter::new(&mut out), &Color::Green).unwrap();
        assert_eq!(out, [0, 0, 0, 2]);
        let mut reader = BinaryReader::new(SliceInput::new(&out), Limits::default());
        assert_eq!(read_enum::<Color, _>(&mut reader).unwrap(), Color::Green);
    }

    #[test]
    fn an_unknown_value_names_the_enum_the_value_and_where_it_starts() {
        // A 1-byte i8, then the enum value 7.
        let bytes = [9, 0, 0, 0, 7];
        let mut reader = BinaryReader::new(SliceInput::new(&bytes), Limits::default());
        reader.read_i8().unwrap();
        let error = read_enum::<Color, _>(&mut reader).unwrap_err();
        assert_eq!(
            error,
            DecodeError::from(DecodeErrorKind::UnknownEnumValue {
                offset: 1,
                enum_name: "Color",
                value: 7,
            })
        );
        assert_eq!(error.to_string(), "enum `Color` has no value 7 (at byte 1)");
    }

    #[test]
    fn a_truncated_value_is_an_eof_not_an_unknown_value() {
        let bytes = [0, 0, 1];
        let mut reader = BinaryReader::new(SliceInput::new(&bytes), Limits::default());
        let error = read_enum::<Color, _>(&mut reader).unwrap_err();
        assert!(
            matches!(error.kind(), DecodeErrorKind::UnexpectedEof { .. }),
            "{error:?}"
        );
    }
}
