//! The syntax tree of one IDL file, as written: names are not resolved, values not checked.
//! Every node keeps the span it came from so later passes can point at it.

use std::fmt;

/// Identifies a file in a [`crate::SourceMap`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

impl fmt::Debug for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileId({})", self.0)
    }
}

/// A byte range in one file.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// The file the range belongs to.
    pub file: FileId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The byte range, for indexing source text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl fmt::Debug for Span {
    // Compact, because spans appear on nearly every node of snapshot output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}..{}", self.file.0, self.start, self.end)
    }
}

/// A name with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The name as written, possibly qualified with dots.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A `key = "value"` annotation.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// The key.
    pub key: Ident,
    /// The decoded value; `"1"` when only the key is written, as in Apache Thrift.
    pub value: String,
    /// The whole annotation.
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// The file this tree was parsed from.
    pub id: FileId,
    /// The doc comment that opens the file, if it precedes a header.
    pub doc: Option<String>,
    /// Includes, C++ includes and namespaces, in source order.
    pub headers: Vec<Header>,
    /// Definitions in source order.
    pub definitions: Vec<Definition>,
}

/// A header line.
#[derive(Clone, Debug, PartialEq)]
pub enum Header {
    /// `include "path"`
    Include {
        /// The path as written, decoded.
        path: String,
        /// The span of the string literal.
        path_span: Span,
        /// The whole header.
        span: Span,
    },
    /// `cpp_include "path"`
    CppInclude {
        /// The path as written, decoded.
        path: String,
        /// The whole header.
        span: Span,
    },
    /// `namespace scope name`
    Namespace {
        /// The language (`rs`, `java`, `py.twisted`, `*`).
        scope: Ident,
        /// The namespace for that language.
        name: Ident,
        /// Annotations after the name.
        annotations: Vec<Annotation>,
        /// The whole header.
        span: Span,
    },
}

/// A top-level definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    /// The doc comment written just before it.
    pub doc: Option<String>,
    /// The defined name.
    pub name: Ident,
    /// What is defined.
    pub kind: DefinitionKind,
    /// Annotations after the definition.
    pub annotations: Vec<Annotation>,
    /// The whole definition.
    pub span: Span,
}

/// The kinds of definitions.
#[derive(Clone, Debug, PartialEq)]
pub enum DefinitionKind {
    /// `const T NAME = value`
    Const {
        /// Declared type.
        ty: Type,
        /// The value as written.
        value: ConstValue,
    },
    /// `typedef T Name`
    Typedef {
        /// The aliased type.
        ty: Type,
    },
    /// `enum Name { ... }`
    Enum {
        /// Members in source order.
        members: Vec<EnumMember>,
    },
    /// `senum Name { "a", ... }` (deprecated).
    Senum {
        /// The listed strings.
        values: Vec<String>,
        /// The `senum` keyword, for the deprecation warning.
        keyword: Span,
    },
    /// `struct`, `union` or `exception`.
    Struct {
        /// Which of the three.
        kind: StructKind,
        /// `xsd_all` was written after the name.
        xsd_all: bool,
        /// Members in source order.
        fields: Vec<Field>,
    },
    /// `service Name extends Base { ... }`
    Service {
        /// The base service, as written.
        extends: Option<Ident>,
        /// Functions in source order.
        functions: Vec<Function>,
    },
}

/// Struct, union or exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StructKind {
    /// `struct`
    Struct,
    /// `union`
    Union,
    /// `exception`
    Exception,
}

/// An enum member.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumMember {
    /// Doc comment.
    pub doc: Option<String>,
    /// Its name.
    pub name: Ident,
    /// The explicit value, if written.
    pub value: Option<IntLiteral>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// The whole member.
    pub span: Span,
}

/// An integer literal with its span.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IntLiteral {
    /// The value.
    pub value: i64,
    /// Where it is written.
    pub span: Span,
}

/// `required`, `optional` or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Requiredness {
    /// Nothing written ("opt-in, req-out" in Apache's terms).
    Default,
    /// `required`
    Required,
    /// `optional`
    Optional,
}

/// A field of a struct, an argument or a declared exception.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Doc comment.
    pub doc: Option<String>,
    /// The id, if written.
    pub id: Option<IntLiteral>,
    /// Requiredness and the span of its keyword.
    pub requiredness: (Requiredness, Option<Span>),
    /// The type.
    pub ty: Type,
    /// `&` was written after the type.
    pub reference: bool,
    /// The name.
    pub name: Ident,
    /// The default value.
    pub default: Option<ConstValue>,
    /// `xsd_optional`
    pub xsd_optional: bool,
    /// `xsd_nillable`
    pub xsd_nillable: bool,
    /// `xsd_attrs { ... }`
    pub xsd_attrs: Vec<Field>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// The whole field.
    pub span: Span,
}

/// A service function.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// Doc comment.
    pub doc: Option<String>,
    /// The `oneway` (or `async`) keyword, if written, and whether it was the old `async`.
    pub oneway: Option<(Span, bool)>,
    /// The return type; `None` for `void`.
    pub returns: Option<Type>,
    /// The span of the return type (or `void`).
    pub returns_span: Span,
    /// The name.
    pub name: Ident,
    /// Arguments.
    pub params: Vec<Field>,
    /// Declared exceptions; `None` when there is no `throws` clause.
    pub throws: Option<(Vec<Field>, Span)>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// The whole function.
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Type {
    /// What type.
    pub kind: TypeKind,
    /// Annotations written after it.
    pub annotations: Vec<Annotation>,
    /// Where it is written.
    pub span: Span,
}

/// The shapes of a written type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// A built-in scalar type.
    Base(BaseType),
    /// A name to resolve.
    Named(Ident),
    /// `list<T>`
    List {
        /// Element type.
        element: Box<Type>,
        /// `cpp_type "..."`, if written.
        cpp_type: Option<String>,
    },
    /// `set<T>`
    Set {
        /// Element type.
        element: Box<Type>,
        /// `cpp_type "..."`, if written.
        cpp_type: Option<String>,
    },
    /// `map<K, V>`
    Map {
        /// Key type.
        key: Box<Type>,
        /// Value type.
        value: Box<Type>,
        /// `cpp_type "..."`, if written.
        cpp_type: Option<String>,
    },
}

/// Built-in scalar types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BaseType {
    /// `bool`
    Bool,
    /// `byte`, an alias of `i8`.
    Byte,
    /// `i8`
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `double`
    Double,
    /// `string`
    String,
    /// `binary`
    Binary,
    /// `uuid`
    Uuid,
    /// `slist`, a deprecated alias of `string`.
    Slist,
}

/// A constant value as written.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstValue {
    /// What is written.
    pub kind: ConstValueKind,
    /// Where.
    pub span: Span,
}

/// The shapes of a written constant.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValueKind {
    /// An integer.
    Int(i64),
    /// A floating point number.
    Double(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A string literal, decoded.
    String(String),
    /// A reference to a constant or enum member.
    Ref(Ident),
    /// `[...]`
    List(Vec<ConstValue>),
    /// `{k: v, ...}`
    Map(Vec<(ConstValue, ConstValue)>),
}
