//! Exactly what generated code names, re-exported in one place so generated code depends on `idlc_runtime`
//! alone (and on a path the user can point elsewhere). Not a stable API for hand-written code.

pub use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
pub use std::error::Error;
pub use std::fmt;
pub use std::future::Future;
pub use std::sync::{Arc, LazyLock};

pub use bytes::{Bytes, BytesMut};

pub use crate::protocol::{
    Binary, Codec, Compact, DecodeError, DecodeErrorKind, EncodeError, FastStr, Json, Limits,
    Protocol, Reader, TType, ThriftEnum, ThriftStruct, Uuid, Writer, read_enum, write_enum,
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

#[cold]
fn wrong_element(offset: usize, expected: TType, found: TType) -> DecodeError {
    DecodeError::from(DecodeErrorKind::InvalidData {
        offset,
        what: "container element type",
        detail: format!("expected {expected:?}, found {found:?}"),
    })
}

#[inline]
fn check_element<R: Reader + ?Sized>(
    reader: &R,
    len: usize,
    expected: TType,
    found: TType,
) -> Result<(), DecodeError> {
    // Empty containers carry whatever element type the writer had at hand.
    if len == 0 || expected == found {
        Ok(())
    } else {
        Err(wrong_element(reader.position(), expected, found))
    }
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

macro_rules! fixed_width_lists {
    ($($read:ident, $write:ident, $read_elements:ident, $write_elements:ident, $ty:ty, $ttype:ident;)*) => {$(
        #[doc = concat!("Reads a `list<", stringify!($ttype), ">` in one bulk conversion where the protocol allows.")]
        #[inline]
        pub fn $read<R: Reader>(reader: &mut R) -> Result<Vec<$ty>, DecodeError> {
            let header = reader.read_list_begin()?;
            check_element(reader, header.len, TType::$ttype, header.elem)?;
            let mut items = Vec::with_capacity(header.len);
            reader.$read_elements(header.len, &mut items)?;
            reader.read_list_end()?;
            Ok(items)
        }

        #[doc = concat!("Writes a `list<", stringify!($ttype), ">` in one bulk conversion where the protocol allows.")]
        #[inline]
        pub fn $write<W: Writer>(writer: &mut W, items: &[$ty]) -> Result<(), EncodeError> {
            writer.write_list_begin(TType::$ttype, items.len())?;
            writer.$write_elements(items)?;
            writer.write_list_end()
        }
    )*};
}

fixed_width_lists! {
    read_i32_list, write_i32_list, read_i32_elements, write_i32_elements, i32, I32;
    read_i64_list, write_i64_list, read_i64_elements, write_i64_elements, i64, I64;
    read_double_list, write_double_list, read_double_elements, write_double_elements, f64, Double;
}

/// Reads a set's header and elements into the collection `with_capacity` makes for its length.
#[inline(always)]
fn read_set_into<R: Reader, T, C>(
    reader: &mut R,
    elem: TType,
    mut read: impl FnMut(&mut R) -> Result<T, DecodeError>,
    with_capacity: impl FnOnce(usize) -> C,
    mut insert: impl FnMut(&mut C, T),
) -> Result<C, DecodeError> {
    let header = reader.read_set_begin()?;
    check_element(reader, header.len, elem, header.elem)?;
    let mut items = with_capacity(header.len);
    for _ in 0..header.len {
        insert(&mut items, read(reader)?);
    }
    reader.read_set_end()?;
    Ok(items)
}

/// Reads a `set<T>` into a `BTreeSet`, built in one go from the elements like [`read_map`]'s maps.
#[inline]
pub fn read_set<R: Reader, T: Ord>(
    reader: &mut R,
    elem: TType,
    read: impl FnMut(&mut R) -> Result<T, DecodeError>,
) -> Result<BTreeSet<T>, DecodeError> {
    Ok(BTreeSet::from_iter(read_set_vec(reader, elem, read)?))
}

/// Reads a `set<T>` into a `HashSet`.
#[inline]
pub fn read_hash_set<R: Reader, T: std::hash::Hash + Eq>(
    reader: &mut R,
    elem: TType,
    read: impl FnMut(&mut R) -> Result<T, DecodeError>,
) -> Result<HashSet<T>, DecodeError> {
    read_set_into(reader, elem, read, HashSet::with_capacity, |set, item| {
        set.insert(item);
    })
}

/// Reads a `set<T>` of elements that can be neither ordered nor hashed (they hold a `double`) into a `Vec`,
/// in wire order.
#[inline]
pub fn read_set_vec<R: Reader, T>(
    reader: &mut R,
    elem: TType,
    read: impl FnMut(&mut R) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    read_set_into(reader, elem, read, Vec::with_capacity, Vec::push)
}

/// Reads a map's header and entries into the collection `with_capacity` makes for its length.
#[inline(always)]
fn read_map_into<R: Reader, K, V, C>(
    reader: &mut R,
    (key_type, value_type): (TType, TType),
    mut read_key: impl FnMut(&mut R) -> Result<K, DecodeError>,
    mut read_value: impl FnMut(&mut R) -> Result<V, DecodeError>,
    with_capacity: impl FnOnce(usize) -> C,
    mut insert: impl FnMut(&mut C, K, V),
) -> Result<C, DecodeError> {
    let header = reader.read_map_begin()?;
    check_element(reader, header.len, key_type, header.key)?;
    check_element(reader, header.len, value_type, header.value)?;
    let mut entries = with_capacity(header.len);
    for _ in 0..header.len {
        let key = read_key(reader)?;
        let value = read_value(reader)?;
        insert(&mut entries, key, value);
    }
    reader.read_map_end()?;
    Ok(entries)
}

/// Reads a `map<K, V>` into a `BTreeMap`. The pairs are collected first and the tree is built from them in
/// one go, which costs less than inserting them one by one (writers usually send keys already sorted, which
/// the sort before the build detects in one pass); a repeated key keeps its last value, as inserting would.
#[inline]
pub fn read_map<R: Reader, K: Ord, V>(
    reader: &mut R,
    types: (TType, TType),
    read_key: impl FnMut(&mut R) -> Result<K, DecodeError>,
    read_value: impl FnMut(&mut R) -> Result<V, DecodeError>,
) -> Result<BTreeMap<K, V>, DecodeError> {
    Ok(BTreeMap::from_iter(read_map_vec(
        reader, types, read_key, read_value,
    )?))
}

/// Reads a `map<K, V>` into a `HashMap`.
#[inline]
pub fn read_hash_map<R: Reader, K: std::hash::Hash + Eq, V>(
    reader: &mut R,
    types: (TType, TType),
    read_key: impl FnMut(&mut R) -> Result<K, DecodeError>,
    read_value: impl FnMut(&mut R) -> Result<V, DecodeError>,
) -> Result<HashMap<K, V>, DecodeError> {
    read_map_into(
        reader,
        types,
        read_key,
        read_value,
        HashMap::with_capacity,
        |map, k, v| {
            map.insert(k, v);
        },
    )
}

/// Reads a `map<K, V>` whose keys can be neither ordered nor hashed into a `Vec` of pairs, in wire order.
#[inline]
pub fn read_map_vec<R: Reader, K, V>(
    reader: &mut R,
    types: (TType, TType),
    read_key: impl FnMut(&mut R) -> Result<K, DecodeError>,
    read_value: impl FnMut(&mut R) -> Result<V, DecodeError>,
) -> Result<Vec<(K, V)>, DecodeError> {
    read_map_into(
        reader,
        types,
        read_key,
        read_value,
        Vec::with_capacity,
        |pairs, k, v| pairs.push((k, v)),
    )
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
