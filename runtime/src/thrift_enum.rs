//! [`ThriftEnum`]: how a Thrift enum, generated or hand-written, travels on the wire (as an `i32`).

use crate::error::{DecodeError, EncodeError};
use crate::protocol::{Reader, Writer};

/// A Thrift enum: a type whose values travel on the wire as an `i32`.
///
/// Generated enums are `i32` newtypes and hold any value, so an unknown value read from the wire is kept
/// and written back unchanged. `#[derive(ThriftEnum)]` on a field-less Rust enum maps each variant to its
/// value; a value no variant names fails to decode with [`DecodeError::UnknownEnumValue`], unless a
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

/// Reads an enum value, failing with [`DecodeError::UnknownEnumValue`] on one the enum cannot hold.
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
    DecodeError::UnknownEnumValue {
        offset,
        enum_name,
        value,
    }
}
