//! Derive macros for idlc, re-exported by `idlc-runtime` behind its `derive` feature.
//!
//! `#[derive(RpcService)]` is the third door to the one Rust backend, beside `idlc gen` and
//! `idlc::Builder`: it reads an IDL file at compile time and expands to the very tokens
//! [`idlc::codegen::rust::generate`] returns for it, so the three can never drift apart.
//!
//! ```ignore
//! use idlc_runtime::RpcService;
//!
//! /// Marks where the `Calculator` service's code goes: a module named `calculator`.
//! #[derive(RpcService)]
//! #[rpc(idl = "idl/calculator.thrift", service = "Calculator", include = "idl/shared")]
//! pub struct Calculator;
//!
//! // calculator::Calculator (the handler trait), calculator::CalculatorClient, calculator::CalculatorProcessor,
//! // and every type the IDL defines.
//! ```
//!
//! The struct the derive sits on is a marker: a derive cannot replace its input, and the generated
//! handler trait is named after the service, so the generated items go in a module named after the
//! marker in snake case (`Calculator` → `calculator`). Inside it, each IDL file is a module of its own
//! (as `idlc gen` writes them, so includes are reached as `super::shared::Thing`), and the root
//! file's items are re-exported at the top (`calculator::CalculatorClient`). The marker also gets
//! `IDL` and `SERVICE` associated constants naming what it was generated from.
//!
//! Paths are relative to `CARGO_MANIFEST_DIR`, or, with `relative_to = "file"`, to the directory of the
//! source file holding the attribute (as `include_str!` resolves them; Rust 1.88 or newer), which keeps an
//! IDL beside the module that uses it and works wherever the crate is built from. Every file read is tied
//! to the build with `include_bytes!`, so editing the IDL or anything it includes rebuilds the crate. IDL
//! errors become compile errors on the `idl = "..."` literal, carrying the IDL file, line, column and
//! message.
//!
//! Code-first: `#[derive(ThriftStruct)]` on a struct whose fields carry `#[thrift(id = N)]` writes the
//! struct's IDL equivalent, checks it with the same front end and emits the backend's own codec for it,
//! so a hand-written struct and its IDL twin encode to the same bytes in every protocol.
//! `#[derive(ThriftUnion)]` does the same for an enum whose variants each hold one value (a Thrift union).
//! `#[derive(ThriftEnum)]` implements the runtime's `ThriftEnum` (an `i32` on the wire) for a field-less
//! enum or an `i32` newtype; generated enums implement it too, and the codec reads and writes every enum
//! through it, so a hand-written enum works wherever a generated one does. A field holding an enum says so
//! with `enum` (the codec reads an enum and a struct differently, and a derive cannot look the type up).
//!
//! ```ignore
//! #[derive(ThriftStruct)]
//! pub struct Work {
//!     #[thrift(id = 1)]
//!     left: i32,                  // required: not an Option
//!     #[thrift(id = 2)]
//!     note: Option<String>,       // optional
//!     #[thrift(id = 3, default)]
//!     count: i64,                 // the IDL's default requiredness
//!     #[thrift(id = 4, enum)]
//!     op: calculator::Op,         // a generated enum (an `i32` newtype)
//!     #[thrift(id = 5, enum)]
//!     colors: Vec<Color>,         // a hand-written enum, in any container
//!     #[thrift(id = 6, enum(Color))]
//!     by_color: BTreeMap<Color, Inner>, // only `Color` is an enum here; `Inner` is a struct
//! }
//!
//! #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ThriftEnum)]
//! #[repr(i32)]                    // Rust wants one for discriminants beside a variant with data
//! pub enum Color {
//!     Red = 1,                    // the value is the discriminant, or `#[thrift(value = 1)]`,
//!     Green,                      // or one more than the variant before (2), as Rust and IDL count
//!     #[thrift(other)]
//!     Unknown(i32),               // optional: keeps values no variant names
//! }
//!
//! #[derive(ThriftUnion)]
//! pub enum Shape {
//!     #[thrift(id = 1)]
//!     Circle(f64),
//!     #[thrift(id = 2)]
//!     Named(Vec<String>),
//! }
//! ```
//!
//! Field names are snake_case and variant names UpperCamelCase, as the backend would write them; field
//! types are those the backend generates (`Bytes` for binary, `BTreeMap`/`HashMap` for maps, one kind per
//! type). Misuse (a missing or repeated id, an unsupported type, an unknown key, an enum field without
//! `enum`) is a spanned compile error, never a panic.
//!
//! A hand-written enum without an `other` variant refuses a value it does not name: decoding fails with
//! `DecodeErrorKind::UnknownEnumValue`, naming the enum and the value, rather than inventing a variant. With
//! one, the value is kept and written back unchanged, as generated enums keep every value. Variants need
//! distinct values, so each survives a round trip; a set or map key orders by the Rust type's `Ord`.

mod code_first;
mod rpc;
mod thrift_enum;

use proc_macro::TokenStream;

/// Generates a service's code from an IDL file: `#[rpc(idl = "path", service = "Name", include = "dir")]`,
/// paths relative to the crate (or to this source file with `relative_to = "file"`).
#[proc_macro_derive(RpcService, attributes(rpc))]
pub fn derive_rpc_service(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    rpc::expand(&input, &rpc::manifest_dir())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `ThriftStruct` for a struct whose fields carry `#[thrift(id = N)]`.
#[proc_macro_derive(ThriftStruct, attributes(thrift))]
pub fn derive_thrift_struct(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    code_first::expand_struct(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `ThriftStruct` for an enum of one-value variants with `#[thrift(id = N)]`: a Thrift union.
#[proc_macro_derive(ThriftUnion, attributes(thrift))]
pub fn derive_thrift_union(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    code_first::expand_union(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `ThriftEnum` for a field-less enum (values from discriminants or `#[thrift(value = N)]`,
/// unknown values kept by an optional `#[thrift(other)] Unknown(i32)`) or an `i32` newtype.
#[proc_macro_derive(ThriftEnum, attributes(thrift))]
pub fn derive_thrift_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    thrift_enum::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
