//! Exactly what generated code names, re-exported in one place so generated code depends on `idlc_runtime`
//! alone (and on a path the user can point elsewhere). Not a stable API for hand-written code.

pub use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
pub use std::error::Error;
pub use std::fmt;
pub use std::future::Future;
pub use std::sync::{Arc, LazyLock};

pub use bytes::{Bytes, BytesMut};

use crate::protocol::check_element;
pub use crate::protocol::{
    Binary, Codec, Compact, DecodeError, DecodeErrorKind, EncodeError, FastStr, Json, Limits,
    Protocol, Reader, TType, ThriftEnum, ThriftStruct, ThriftValue, Uuid, Writer, read_enum,
    write_enum,
};
#[cfg(feature = "serde")]
pub use serde;

#[cfg(feature = "rpc")]
pub use crate::net::TcpChannel;
#[cfg(feature = "rpc")]
pub use crate::rpc::codegen_support::*;
#[cfg(feature = "rpc")]
pub use crate::rpc::{
    ApplicationException, ApplicationExceptionKind, CallError, Channel, NoException, Processor,
    ServiceError, TransportError,
};
#[cfg(feature = "rpc")]
pub use tokio::net::ToSocketAddrs;

/// Writes one field: its header (with the value type's wire type), the value, the end. Always inlined: an
/// encoder is a run of these, and a call per field would cost more than the field.
#[inline(always)]
pub fn write_field<W: Writer, T: ThriftValue>(
    writer: &mut W,
    name: &str,
    id: i16,
    value: &T,
) -> Result<(), EncodeError> {
    writer.write_field_begin(name, T::TTYPE, id)?;
    value.write(writer)?;
    writer.write_field_end()
}

/// Reads one value of whatever type it is assigned to.
#[inline(always)]
pub fn read<T: ThriftValue, R: Reader>(reader: &mut R) -> Result<T, DecodeError> {
    T::read(reader)
}

/// The error for a `required` field that was absent.
#[cold]
pub fn missing(struct_name: &'static str, field: &'static str) -> DecodeError {
    DecodeError::from(DecodeErrorKind::MissingRequiredField { struct_name, field })
}

/// The error for a union with `found` fields set instead of one.
#[cold]
pub fn invalid_union(union_name: &'static str, found: usize) -> DecodeError {
    DecodeError::from(DecodeErrorKind::InvalidUnion { union_name, found })
}

/// Reads a `list<T>` whose elements travel as `elem`.
#[inline]
pub fn read_list<R: Reader, T>(
    reader: &mut R,
    elem: TType,
    mut read: impl FnMut(&mut R) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let header = reader.read_list_begin()?;
    check_element(reader, header.len, elem, header.elem)?;
    let mut items = Vec::with_capacity(header.len);
    for _ in 0..header.len {
        items.push(read(reader)?);
    }
    reader.read_list_end()?;
    Ok(items)
}

/// Reads a `set<T>` of elements that can be neither ordered nor hashed (they hold a `double`) into a `Vec`,
/// in wire order.
#[inline]
pub fn read_set_vec<R: Reader, T>(
    reader: &mut R,
    elem: TType,
    mut read: impl FnMut(&mut R) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let header = reader.read_set_begin()?;
    check_element(reader, header.len, elem, header.elem)?;
    let mut items = Vec::with_capacity(header.len);
    for _ in 0..header.len {
        items.push(read(reader)?);
    }
    reader.read_set_end()?;
    Ok(items)
}

/// Reads a `map<K, V>` whose keys can be neither ordered nor hashed into a `Vec` of pairs, in wire order.
#[inline]
pub fn read_map_vec<R: Reader, K, V>(
    reader: &mut R,
    (key_type, value_type): (TType, TType),
    mut read_key: impl FnMut(&mut R) -> Result<K, DecodeError>,
    mut read_value: impl FnMut(&mut R) -> Result<V, DecodeError>,
) -> Result<Vec<(K, V)>, DecodeError> {
    let header = reader.read_map_begin()?;
    check_element(reader, header.len, key_type, header.key)?;
    check_element(reader, header.len, value_type, header.value)?;
    let mut pairs = Vec::with_capacity(header.len);
    for _ in 0..header.len {
        let key = read_key(reader)?;
        let value = read_value(reader)?;
        pairs.push((key, value));
    }
    reader.read_map_end()?;
    Ok(pairs)
}

/// Writes a `list<T>` from anything that iterates its elements with a known length.
#[inline]
pub fn write_list<W: Writer, I: IntoIterator<IntoIter: ExactSizeIterator>>(
    writer: &mut W,
    elem: TType,
    items: I,
    mut write: impl FnMut(&mut W, I::Item) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let items = items.into_iter();
    writer.write_list_begin(elem, items.len())?;
    for item in items {
        write(writer, item)?;
    }
    writer.write_list_end()
}

/// Writes a `set<T>` from anything that iterates its elements with a known length.
#[inline]
pub fn write_set<W: Writer, I: IntoIterator<IntoIter: ExactSizeIterator>>(
    writer: &mut W,
    elem: TType,
    items: I,
    mut write: impl FnMut(&mut W, I::Item) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let items = items.into_iter();
    writer.write_set_begin(elem, items.len())?;
    for item in items {
        write(writer, item)?;
    }
    writer.write_set_end()
}

/// Writes a `map<K, V>` from anything that iterates its entries with a known length.
#[inline]
pub fn write_map<W: Writer, I: IntoIterator<IntoIter: ExactSizeIterator>>(
    writer: &mut W,
    (key_type, value_type): (TType, TType),
    entries: I,
    mut write: impl FnMut(&mut W, I::Item) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let entries = entries.into_iter();
    writer.write_map_begin(key_type, value_type, entries.len())?;
    for entry in entries {
        write(writer, entry)?;
    }
    writer.write_map_end()
}

impl<T: ThriftStruct> ThriftStruct for Box<T> {
    #[inline]
    fn encode<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        (**self).encode(writer)
    }

    #[inline]
    fn decode<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        T::decode(reader).map(Box::new)
    }
}
