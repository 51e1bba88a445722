//! [`ThriftValue`]: every Rust type that can be a Thrift value knows its wire type and how to write and read
//! itself, in the spirit of serde's `Serialize` or prost's `encoding` module. Generated and derived codecs
//! are then flat lists of fields, each written and read through the one trait, however deeply its type
//! nests (`map<string, list<set<i32>>>` is `BTreeMap<String, Vec<BTreeSet<i32>>>`, and that type knows).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use bytes::Bytes;

use super::{
    DecodeError, DecodeErrorKind, EncodeError, FastStr, Reader, TType, ThriftStruct, Writer,
};

/// A Rust type that can travel as a Thrift value: scalars, `String`, [`FastStr`], [`Bytes`] (binary),
/// [`Uuid`](super::Uuid), `Vec` (list), `BTreeSet`/`HashSet` (set), `BTreeMap`/`HashMap` (map), `Box` and
/// `Arc` of any of these, every [`ThriftStruct`] (structs, unions, exceptions), and enums (generated, or with
/// `#[derive(ThriftEnum)]`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a Thrift value",
    label = "not a Thrift type",
    note = "Thrift values are scalars, String, Bytes, Uuid, Vec, sets, maps, Box and Arc of those, and types \
            generated from IDL or derived with ThriftStruct, ThriftUnion or ThriftEnum"
)]
pub trait ThriftValue: Sized {
    /// The wire type values of this type travel as.
    const TTYPE: TType;

    /// Writes the value.
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError>;

    /// Reads a value.
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError>;

    /// Writes the elements of a list after its header. Fixed-width numbers override it with the protocol's
    /// bulk conversion.
    #[doc(hidden)]
    #[inline]
    fn write_elements<W: Writer>(writer: &mut W, items: &[Self]) -> Result<(), EncodeError> {
        items.iter().try_for_each(|item| item.write(writer))
    }

    /// Reads `len` list elements after the header into `out` (see [`ThriftValue::write_elements`]).
    #[doc(hidden)]
    #[inline]
    fn read_elements<R: Reader>(
        reader: &mut R,
        len: usize,
        out: &mut Vec<Self>,
    ) -> Result<(), DecodeError> {
        for _ in 0..len {
            out.push(Self::read(reader)?);
        }
        Ok(())
    }
}

macro_rules! scalars {
    ($($ty:ty, $ttype:ident, $write:ident, $read:ident;)*) => {$(
        impl ThriftValue for $ty {
            const TTYPE: TType = TType::$ttype;

            #[inline(always)]
            fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
                writer.$write(*self)
            }

            #[inline(always)]
            fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
                reader.$read()
            }
        }
    )*};
}

scalars! {
    bool, Bool, write_bool, read_bool;
    i8, I8, write_i8, read_i8;
    i16, I16, write_i16, read_i16;
}

macro_rules! bulk_scalars {
    ($($ty:ty, $ttype:ident, $write:ident, $read:ident, $write_elements:ident, $read_elements:ident;)*) => {$(
        impl ThriftValue for $ty {
            const TTYPE: TType = TType::$ttype;

            #[inline(always)]
            fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
                writer.$write(*self)
            }

            #[inline(always)]
            fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
                reader.$read()
            }

            #[inline]
            fn write_elements<W: Writer>(writer: &mut W, items: &[Self]) -> Result<(), EncodeError> {
                writer.$write_elements(items)
            }

            #[inline]
            fn read_elements<R: Reader>(
                reader: &mut R,
                len: usize,
                out: &mut Vec<Self>,
            ) -> Result<(), DecodeError> {
                reader.$read_elements(len, out)
            }
        }
    )*};
}

bulk_scalars! {
    i32, I32, write_i32, read_i32, write_i32_elements, read_i32_elements;
    i64, I64, write_i64, read_i64, write_i64_elements, read_i64_elements;
    f64, Double, write_double, read_double, write_double_elements, read_double_elements;
}

impl ThriftValue for String {
    const TTYPE: TType = TType::Binary;

    #[inline(always)]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        writer.write_string(self)
    }

    #[inline(always)]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        reader.read_string()
    }
}

impl ThriftValue for FastStr {
    const TTYPE: TType = TType::Binary;

    #[inline(always)]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        writer.write_string(self)
    }

    #[inline(always)]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        reader.read_fast_str()
    }
}

impl ThriftValue for Bytes {
    const TTYPE: TType = TType::Binary;

    #[inline(always)]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        writer.write_binary(self)
    }

    #[inline(always)]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        reader.read_binary()
    }
}

impl ThriftValue for super::Uuid {
    const TTYPE: TType = TType::Uuid;

    #[inline(always)]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        writer.write_uuid(self.as_bytes())
    }

    #[inline(always)]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        reader.read_uuid().map(super::Uuid::from_bytes)
    }
}

impl<T: ThriftStruct> ThriftValue for T {
    const TTYPE: TType = TType::Struct;

    #[inline]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        self.encode(writer)
    }

    #[inline]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        T::decode(reader)
    }
}

impl<T: ThriftValue> ThriftValue for Arc<T> {
    const TTYPE: TType = T::TTYPE;

    #[inline]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        (**self).write(writer)
    }

    #[inline]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        T::read(reader).map(Arc::new)
    }
}

#[cold]
fn wrong_element(offset: usize, expected: TType, found: TType) -> DecodeError {
    DecodeError::from(DecodeErrorKind::InvalidData {
        offset,
        what: "container element type",
        detail: format!("expected {expected:?}, found {found:?}"),
    })
}

/// Checks that a container's elements travel as `expected`. Empty containers carry whatever element type the
/// writer had at hand.
#[inline]
pub(crate) fn check_element<R: Reader + ?Sized>(
    reader: &R,
    len: usize,
    expected: TType,
    found: TType,
) -> Result<(), DecodeError> {
    if len == 0 || expected == found {
        Ok(())
    } else {
        Err(wrong_element(reader.position(), expected, found))
    }
}

impl<T: ThriftValue> ThriftValue for Vec<T> {
    const TTYPE: TType = TType::List;

    #[inline]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        writer.write_list_begin(T::TTYPE, self.len())?;
        T::write_elements(writer, self)?;
        writer.write_list_end()
    }

    #[inline]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        let header = reader.read_list_begin()?;
        check_element(reader, header.len, T::TTYPE, header.elem)?;
        let mut items = Vec::with_capacity(header.len);
        T::read_elements(reader, header.len, &mut items)?;
        reader.read_list_end()?;
        Ok(items)
    }
}

/// Writes a set's header, elements and end.
#[inline]
fn write_set<'a, W: Writer, T: ThriftValue + 'a>(
    writer: &mut W,
    items: impl ExactSizeIterator<Item = &'a T>,
) -> Result<(), EncodeError> {
    writer.write_set_begin(T::TTYPE, items.len())?;
    for item in items {
        item.write(writer)?;
    }
    writer.write_set_end()
}

/// Reads a set's header, elements and end into the collection `with_capacity` makes for its length.
#[inline]
pub(crate) fn read_set_into<R: Reader, T: ThriftValue, C>(
    reader: &mut R,
    with_capacity: impl FnOnce(usize) -> C,
    mut insert: impl FnMut(&mut C, T),
) -> Result<C, DecodeError> {
    let header = reader.read_set_begin()?;
    check_element(reader, header.len, T::TTYPE, header.elem)?;
    let mut items = with_capacity(header.len);
    for _ in 0..header.len {
        insert(&mut items, T::read(reader)?);
    }
    reader.read_set_end()?;
    Ok(items)
}

impl<T: ThriftValue + Ord> ThriftValue for BTreeSet<T> {
    const TTYPE: TType = TType::Set;

    #[inline]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        write_set(writer, self.iter())
    }

    /// The elements are collected first and the tree built from them in one go, which costs less than
    /// inserting them one by one (writers usually send them sorted, which the sort detects in one pass).
    #[inline]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        read_set_into(reader, Vec::with_capacity, Vec::push).map(BTreeSet::from_iter)
    }
}

impl<T: ThriftValue + Hash + Eq, S: BuildHasher + Default> ThriftValue for HashSet<T, S> {
    const TTYPE: TType = TType::Set;

    #[inline]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        write_set(writer, self.iter())
    }

    #[inline]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        read_set_into(
            reader,
            |len| HashSet::with_capacity_and_hasher(len, S::default()),
            |set, item| {
                set.insert(item);
            },
        )
    }
}

/// Writes a map's header, entries and end.
#[inline]
fn write_map<'a, W: Writer, K: ThriftValue + 'a, V: ThriftValue + 'a>(
    writer: &mut W,
    entries: impl ExactSizeIterator<Item = (&'a K, &'a V)>,
) -> Result<(), EncodeError> {
    writer.write_map_begin(K::TTYPE, V::TTYPE, entries.len())?;
    for (key, value) in entries {
        key.write(writer)?;
        value.write(writer)?;
    }
    writer.write_map_end()
}

/// Reads a map's header, entries and end into the collection `with_capacity` makes for its length.
#[inline]
pub(crate) fn read_map_into<R: Reader, K: ThriftValue, V: ThriftValue, C>(
    reader: &mut R,
    with_capacity: impl FnOnce(usize) -> C,
    mut insert: impl FnMut(&mut C, K, V),
) -> Result<C, DecodeError> {
    let header = reader.read_map_begin()?;
    check_element(reader, header.len, K::TTYPE, header.key)?;
    check_element(reader, header.len, V::TTYPE, header.value)?;
    let mut entries = with_capacity(header.len);
    for _ in 0..header.len {
        let key = K::read(reader)?;
        let value = V::read(reader)?;
        insert(&mut entries, key, value);
    }
    reader.read_map_end()?;
    Ok(entries)
}

impl<K: ThriftValue + Ord, V: ThriftValue> ThriftValue for BTreeMap<K, V> {
    const TTYPE: TType = TType::Map;

    #[inline]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        write_map(writer, self.iter())
    }

    /// The pairs are collected first and the tree built from them in one go (see `BTreeSet`); a repeated key
    /// keeps its last value, as inserting would.
    #[inline]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        read_map_into(reader, Vec::with_capacity, |pairs, k, v| pairs.push((k, v)))
            .map(BTreeMap::from_iter)
    }
}

impl<K: ThriftValue + Hash + Eq, V: ThriftValue, S: BuildHasher + Default> ThriftValue
    for HashMap<K, V, S>
{
    const TTYPE: TType = TType::Map;

    #[inline]
    fn write<W: Writer>(&self, writer: &mut W) -> Result<(), EncodeError> {
        write_map(writer, self.iter())
    }

    #[inline]
    fn read<R: Reader>(reader: &mut R) -> Result<Self, DecodeError> {
        read_map_into(
            reader,
            |len| HashMap::with_capacity_and_hasher(len, S::default()),
            |map, k, v| {
                map.insert(k, v);
            },
        )
    }
}
