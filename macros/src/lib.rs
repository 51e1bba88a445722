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
//! Paths are relative to `CARGO_MANIFEST_DIR`. Every file read is tied to the build with
//! `include_bytes!`, so editing the IDL or anything it includes rebuilds the crate. IDL errors become
//! compile errors on the `idl = "..."` literal, carrying the IDL file, line, column and message.
//!
//! Code-first: `#[derive(ThriftStruct)]` on a struct whose fields carry `#[thrift(id = N)]` writes the
//! struct's IDL equivalent, checks it with the same front end and emits the backend's own codec for it,
//! so a hand-written struct and its IDL twin encode to the same bytes in every protocol.
//! `#[derive(ThriftUnion)]` does the same for an enum whose variants each hold one value (a Thrift union).
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
//!     op: calculator::Op,         // an IDL enum (an `i32` newtype, as idlc generates)
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
//! type). Misuse (a missing or repeated id, an unsupported type, an unknown key) is a spanned compile
//! error, never a panic.

mod code_first;
mod rpc;

use proc_macro::TokenStream;

/// Generates a service's code from an IDL file: `#[rpc(idl = "path", service = "Name", include = "dir")]`.
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
