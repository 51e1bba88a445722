//! The resolved whole-program model the backends read.
//!
//! Produced by [`crate::check`] only when there are no errors. Nothing in it needs looking up
//! by name again: types point at definitions by id, constants are evaluated to values of their
//! declared type, and typedefs stay visible (a field of type `UserId` says so) with
//! [`Program::resolve`] to see through them.

use std::fmt;

pub use crate::syntax::ast::{FileId, Requiredness, Span, StructKind};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl $name {
            /// The position in the program's list.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// Index into [`Program::structs`].
    StructId
);
id_type!(
    /// Index into [`Program::enums`].
    EnumId
);
id_type!(
    /// Index into [`Program::typedefs`].
    TypedefId
);
id_type!(
    /// Index into [`Program::consts`].
    ConstId
);
id_type!(
    /// Index into [`Program::services`].
    ServiceId
);

/// Everything reachable from the root files.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// Every file read, roots and includes, in the order they were read.
    pub files: Vec<File>,
    /// The files given by the user.
    pub roots: Vec<FileId>,
    /// All structs, unions and exceptions.
    pub structs: Vec<Struct>,
    /// All enums.
    pub enums: Vec<Enum>,
    /// All typedefs (and deprecated senums, as typedefs of `string`).
    pub typedefs: Vec<Typedef>,
    /// All constants.
    pub consts: Vec<Const>,
    /// All services.
    pub services: Vec<Service>,
}

/// One file of the program.
#[derive(Clone, Debug, Default)]
pub struct File {
    /// The path as the user gave it, or joined onto the including file's directory or an
    /// include directory; never made absolute.
    pub path: String,
    /// The name other files use to qualify this file's definitions (`base` for `base.thrift`).
    pub module: String,
    /// The file's doc comment.
    pub doc: Option<String>,
    /// Files included directly, in source order.
    pub includes: Vec<FileId>,
    /// `cpp_include` paths.
    pub cpp_includes: Vec<String>,
    /// Every `namespace`, in source order.
    pub namespaces: Vec<Namespace>,
    /// The definitions of this file in source order.
    pub definitions: Vec<DefinitionId>,
}

/// `namespace scope name`
#[derive(Clone, Debug)]
pub struct Namespace {
    /// The language, or `*`.
    pub scope: String,
    /// The namespace.
    pub name: String,
    /// Annotations after it.
    pub annotations: Vec<Annotation>,
}

/// A reference to any definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefinitionId {
    /// A struct, union or exception.
    Struct(StructId),
    /// An enum.
    Enum(EnumId),
    /// A typedef.
    Typedef(TypedefId),
    /// A constant.
    Const(ConstId),
    /// A service.
    Service(ServiceId),
}

/// `key = "value"`
#[derive(Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Key.
    pub key: String,
    /// Value (`"1"` for a bare key).
    pub value: String,
}

impl fmt::Debug for Annotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} = {:?}", self.key, self.value)
    }
}

/// A resolved type.
#[derive(Clone, PartialEq)]
pub struct Type {
    /// The type.
    pub kind: TypeKind,
    /// Annotations written on the type itself (`i32 (cpp.type = "int")`).
    pub annotations: Vec<Annotation>,
}

impl fmt::Debug for Type {
    // Annotations on types are rare; leaving empty lists out keeps snapshots readable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.annotations.is_empty() {
            self.kind.fmt(f)
        } else {
            f.debug_struct("Type")
                .field("kind", &self.kind)
                .field("annotations", &self.annotations)
                .finish()
        }
    }
}

impl Type {
    /// A type without annotations.
    pub fn plain(kind: TypeKind) -> Type {
        Type {
            kind,
            annotations: Vec::new(),
        }
    }
}

/// The shapes of a resolved type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `bool`
    Bool,
    /// `i8` (also written `byte`)
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `double`
    Double,
    /// `string` (also the deprecated `slist`)
    String,
    /// `binary`
    Binary,
    /// `uuid`
    Uuid,
    /// `list<T>`
    List {
        /// Element type.
        element: Box<Type>,
        /// The old `cpp_type "..."`, if written.
        cpp_type: Option<String>,
    },
    /// `set<T>`
    Set {
        /// Element type.
        element: Box<Type>,
        /// The old `cpp_type "..."`, if written.
        cpp_type: Option<String>,
    },
    /// `map<K, V>`
    Map {
        /// Key type.
        key: Box<Type>,
        /// Value type.
        value: Box<Type>,
        /// The old `cpp_type "..."`, if written.
        cpp_type: Option<String>,
    },
    /// A struct, union or exception.
    Struct(StructId),
    /// An enum.
    Enum(EnumId),
    /// A typedef; [`Program::resolve`] follows the chain.
    Typedef(TypedefId),
}

/// A struct, union or exception.
#[derive(Clone, Debug)]
pub struct Struct {
    /// Name as written.
    pub name: String,
    /// The file that defines it.
    pub file: FileId,
    /// Struct, union or exception.
    pub kind: StructKind,
    /// Members in source order.
    pub fields: Vec<Field>,
    /// `xsd_all` was written.
    pub xsd_all: bool,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// Where it is defined.
    pub span: Span,
}

/// A field, argument or declared exception.
#[derive(Clone, Debug)]
pub struct Field {
    /// The id: written, or assigned (negative) when none was written.
    pub id: i16,
    /// The id was assigned, not written.
    pub implicit_id: bool,
    /// Name as written.
    pub name: String,
    /// Requiredness as written (unions never have `Required`).
    pub requiredness: Requiredness,
    /// The type.
    pub ty: Type,
    /// The default value, of the field's type.
    pub default: Option<ConstValue>,
    /// `&` was written.
    pub reference: bool,
    /// `xsd_optional`
    pub xsd_optional: bool,
    /// `xsd_nillable`
    pub xsd_nillable: bool,
    /// `xsd_attrs { ... }`
    pub xsd_attrs: Vec<Field>,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// Where it is defined.
    pub span: Span,
}

/// An enum.
#[derive(Clone, Debug)]
pub struct Enum {
    /// Name as written.
    pub name: String,
    /// The file that defines it.
    pub file: FileId,
    /// Members in source order.
    pub members: Vec<EnumMember>,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// Where it is defined.
    pub span: Span,
}

/// An enum member.
#[derive(Clone, Debug)]
pub struct EnumMember {
    /// Name as written.
    pub name: String,
    /// Its value, written or one more than the previous member's.
    pub value: i32,
    /// The value was written.
    pub explicit: bool,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// Where it is defined.
    pub span: Span,
}

/// A typedef.
#[derive(Clone, Debug)]
pub struct Typedef {
    /// Name as written.
    pub name: String,
    /// The file that defines it.
    pub file: FileId,
    /// The aliased type (possibly another typedef).
    pub target: Type,
    /// For a deprecated `senum`, the listed strings.
    pub senum_values: Option<Vec<String>>,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// Where it is defined.
    pub span: Span,
}

/// A constant.
#[derive(Clone, Debug)]
pub struct Const {
    /// Name as written.
    pub name: String,
    /// The file that defines it.
    pub file: FileId,
    /// The declared type.
    pub ty: Type,
    /// The value, of the declared type.
    pub value: ConstValue,
    /// Doc comment.
    pub doc: Option<String>,
    /// Where it is defined.
    pub span: Span,
}

/// An evaluated constant, shaped by the type it was checked against.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    /// A `bool`.
    Bool(bool),
    /// Any integer type; the value fits the declared width.
    Int(i64),
    /// A `double`.
    Double(f64),
    /// A `string` or `binary`.
    String(String),
    /// A `uuid`, as written.
    Uuid(String),
    /// An enum member.
    Enum {
        /// The enum.
        id: EnumId,
        /// The member's name.
        member: String,
        /// The member's value.
        value: i32,
    },
    /// A list or set.
    List(Vec<ConstValue>),
    /// A map, in written order.
    Map(Vec<(ConstValue, ConstValue)>),
    /// A struct, union or exception: the fields given, by field id, in written order.
    Struct {
        /// The struct.
        id: StructId,
        /// `(field id, value)`.
        fields: Vec<(i16, ConstValue)>,
    },
}

/// A service.
#[derive(Clone, Debug)]
pub struct Service {
    /// Name as written.
    pub name: String,
    /// The file that defines it.
    pub file: FileId,
    /// The base service.
    pub extends: Option<ServiceId>,
    /// Functions in source order (not including inherited ones).
    pub functions: Vec<Function>,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// Where it is defined.
    pub span: Span,
}

/// A service function.
#[derive(Clone, Debug)]
pub struct Function {
    /// Name as written.
    pub name: String,
    /// `oneway` (or `async`) was written.
    pub oneway: bool,
    /// The return type; `None` for `void`.
    pub returns: Option<Type>,
    /// Arguments.
    pub params: Vec<Field>,
    /// Declared exceptions (each of an exception type).
    pub throws: Vec<Field>,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// Where it is defined.
    pub span: Span,
}

impl Program {
    /// Follows typedefs until a type that is not one.
    pub fn resolve<'a>(&'a self, mut ty: &'a Type) -> &'a Type {
        // Typedef cycles are rejected by the checker, but a bound keeps this total.
        for _ in 0..=self.typedefs.len() {
            match &ty.kind {
                TypeKind::Typedef(id) => match self.typedefs.get(id.index()) {
                    Some(typedef) => ty = &typedef.target,
                    None => return ty,
                },
                _ => return ty,
            }
        }
        ty
    }

    /// The struct with this id.
    pub fn struct_(&self, id: StructId) -> &Struct {
        &self.structs[id.index()]
    }

    /// The enum with this id.
    pub fn enum_(&self, id: EnumId) -> &Enum {
        &self.enums[id.index()]
    }

    /// The typedef with this id.
    pub fn typedef(&self, id: TypedefId) -> &Typedef {
        &self.typedefs[id.index()]
    }

    /// The service with this id.
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }

    /// The constant with this id.
    pub fn const_(&self, id: ConstId) -> &Const {
        &self.consts[id.index()]
    }

    /// The file with this id.
    pub fn file(&self, id: FileId) -> &File {
        &self.files[id.0 as usize]
    }

    /// The name of any definition.
    pub fn definition_name(&self, id: DefinitionId) -> &str {
        match id {
            DefinitionId::Struct(i) => &self.struct_(i).name,
            DefinitionId::Enum(i) => &self.enum_(i).name,
            DefinitionId::Typedef(i) => &self.typedef(i).name,
            DefinitionId::Const(i) => &self.const_(i).name,
            DefinitionId::Service(i) => &self.service(i).name,
        }
    }

    /// The file that defines any definition.
    pub fn definition_file(&self, id: DefinitionId) -> FileId {
        match id {
            DefinitionId::Struct(i) => self.struct_(i).file,
            DefinitionId::Enum(i) => self.enum_(i).file,
            DefinitionId::Typedef(i) => self.typedef(i).file,
            DefinitionId::Const(i) => self.const_(i).file,
            DefinitionId::Service(i) => self.service(i).file,
        }
    }

    /// A service and the services it extends, the service itself first.
    pub fn service_chain(&self, id: ServiceId) -> Vec<ServiceId> {
        let mut chain = vec![id];
        // Extension cycles are rejected by the checker; the bound keeps this total anyway.
        while chain.len() <= self.services.len() {
            match chain.last().and_then(|last| self.service(*last).extends) {
                Some(base) => chain.push(base),
                None => break,
            }
        }
        chain
    }

    /// The namespace a file declares for `scope`, falling back to `*`.
    pub fn namespace(&self, file: FileId, scope: &str) -> Option<&str> {
        let namespaces = &self.file(file).namespaces;
        namespaces
            .iter()
            .find(|n| n.scope == scope)
            .or_else(|| namespaces.iter().find(|n| n.scope == "*"))
            .map(|n| n.name.as_str())
    }
}
