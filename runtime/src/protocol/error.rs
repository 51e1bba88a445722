//! What can go wrong at the protocol level: [`EncodeError`] for values a protocol cannot represent, and
//! [`DecodeError`] for bad or hostile input.

use std::fmt;

use super::TType;

/// A value the protocol cannot represent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string, binary or container longer than the protocol's length field allows.
    #[error("{what} of {len} exceeds the protocol's maximum of {max}")]
    TooLong {
        /// What was being written ("string", "list", ...).
        what: &'static str,
        /// Its length.
        len: usize,
        /// The largest length the protocol can carry.
        max: usize,
    },
    /// A union with no variant set, or a required field left unset.
    #[error("cannot encode {what}: {detail}")]
    InvalidValue {
        /// The type or field concerned.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

/// Input that is truncated, corrupt, or beyond the reader's [`Limits`](crate::Limits); what went wrong is its
/// [`kind`](DecodeError::kind).
///
/// The kind sits behind one pointer so that a `Result` of a decoded value is no larger than the value (or
/// two registers for a number or a header): decoding returns results at every step, and a wide error would
/// make every one of them travel through memory.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError(Box<DecodeErrorKind>);

impl DecodeError {
    /// What went wrong, and where.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.0
    }

    /// What went wrong, by value.
    pub fn into_kind(self) -> DecodeErrorKind {
        *self.0
    }
}

impl From<DecodeErrorKind> for DecodeError {
    // Errors are the exception: keep the allocation out of the decoding paths that build them.
    #[cold]
    #[inline(never)]
    fn from(kind: DecodeErrorKind) -> Self {
        DecodeError(Box::new(kind))
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for DecodeError {}

/// What made input undecodable. Every variant that concerns bytes says at which byte offset the problem was
/// found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended inside a value.
    #[error("input ends at byte {offset} but {what} needs {needed} more byte(s)")]
    UnexpectedEof {
        /// Where the input ran out.
        offset: usize,
        /// What was being read.
        what: &'static str,
        /// How many bytes were missing (at least).
        needed: usize,
    },
    /// A length or count beyond the configured limit.
    #[error("{what} of {len} at byte {offset} exceeds the limit of {limit}")]
    LimitExceeded {
        /// Where the length prefix starts.
        offset: usize,
        /// "string length", "list size", ...
        what: &'static str,
        /// The length the input claimed.
        len: u64,
        /// The configured limit.
        limit: u64,
    },
    /// Nesting of structs and containers deeper than the configured limit.
    #[error("nesting deeper than {limit} levels at byte {offset}")]
    DepthExceeded {
        /// Where the level that went too deep starts.
        offset: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A negative length or count.
    #[error("negative {what} {len} at byte {offset}")]
    NegativeLength {
        /// Where the length starts.
        offset: usize,
        /// "string length", "list size", ...
        what: &'static str,
        /// The value read.
        len: i64,
    },
    /// A type id the protocol does not define.
    #[error("unknown type id {id} for {what} at byte {offset}")]
    UnknownType {
        /// Where the type id was read.
        offset: usize,
        /// "field", "list element", ...
        what: &'static str,
        /// The id read.
        id: u8,
    },
    /// A message header with a wrong protocol id or version.
    #[error("bad message header at byte {offset}: {detail}")]
    BadVersion {
        /// Where the header starts.
        offset: usize,
        /// What was found instead.
        detail: String,
    },
    /// A string that is not valid UTF-8.
    #[error("string at byte {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// Where the string's bytes start.
        offset: usize,
    },
    /// A value that cannot be what its type says (a varint too long, bad JSON, a bad base64 payload, ...).
    #[error("invalid {what} at byte {offset}: {detail}")]
    InvalidData {
        /// Where the value starts.
        offset: usize,
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A field arrived with a different wire type than the IDL declares, where it cannot be skipped.
    #[error("field {field} of `{struct_name}` has wire type {found:?}, expected {expected:?}")]
    WrongFieldType {
        /// The struct being decoded.
        struct_name: &'static str,
        /// The field id.
        field: i16,
        /// The declared type.
        expected: TType,
        /// The type on the wire.
        found: TType,
    },
    /// A `required` field was absent.
    #[error("required field `{field}` of `{struct_name}` is missing")]
    MissingRequiredField {
        /// The struct being decoded.
        struct_name: &'static str,
        /// The field's IDL name.
        field: &'static str,
    },
    /// A union with no field set, or more than one.
    #[error("union `{union_name}` must have exactly one field set, found {found}")]
    InvalidUnion {
        /// The union being decoded.
        union_name: &'static str,
        /// How many fields were set.
        found: usize,
    },
    /// An enum value the enum has no variant for (a hand-written enum without a catch-all variant).
    #[error("enum `{enum_name}` has no value {value} (at byte {offset})")]
    UnknownEnumValue {
        /// Where the value starts.
        offset: usize,
        /// The enum being decoded.
        enum_name: &'static str,
        /// The value read.
        value: i32,
    },
}
