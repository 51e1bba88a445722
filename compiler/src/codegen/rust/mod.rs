//! The Rust backend: one formatted module per IDL file.
//!
//! [`generate`] is the backend's one entry point, which the `idlc gen` command, `idlc::Builder` and the
//! derive macro reach through the driver (`idlc::generate_files`). It takes a checked program and returns
//! a [`GeneratedFile`] per file (roots and includes alike), named after the file's module: `namespace rs
//! a.b` names it `a_b`, otherwise the file's name does (`shared.thrift` → `shared`). Definitions from an
//! include are named through their sibling module (`super::shared::Thing`), so the files belong side by
//! side in one parent module; [`mod_file`] writes that parent.
//!
//! From a build script (the crate then depends on `idlc-runtime` only):
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     idlc::Builder::new().include_dir("idl").compile(&["idl/calculator.thrift"])?;
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! pub mod idl {
//!     include!(concat!(env!("OUT_DIR"), "/mod.rs"));
//! }
//! use idl::calculator::{CalculatorClient, Work};
//! ```
//!
//! or from the command line: `idlc gen calculator.thrift -o src/idl` (`--stdout` for a look).
//!
//! # What the IDL becomes
//!
//! Generated code names the runtime only as `rt` (`use ::idlc_runtime::__codegen as rt;`, a path
//! [`RustOptions::runtime_crate`] can change). Rust keywords become raw identifiers (`r#type`); `self`,
//! `super`, `crate` and `Self`, and type names generated code uses unqualified (`Result`, `Option`, ..., and
//! the generic parameters `W`, `R`, `C`, `H`), get a trailing `_`. The wire always keeps the IDL names.
//!
//! Names that meet in one Rust scope (a module's types, its values, a struct's fields, a union's or exception
//! enum's variants, an enum's constants, a client's methods) are told apart the same way everywhere. Names the
//! backend always emits there are taken first (a client's `new`, `channel` and `connect`, an enum's
//! `VALUES`); then the names the IDL spells, in declaration order; then the names the backend makes up from
//! them (`SProcessor`, `SClient`, `S{Function}Args`/`Result`/`Exception`, a constant's builder function), in
//! declaration order too. A name already taken gets the first free number: `foo_bar_2`, `FOO_BAR_2`, and
//! for types and variants `FooBar2` (`Get2_2` after a digit, `Self2` for an escaped `Self_`). So
//! `struct AccountClient` beside `service Account` keeps its name and the client becomes `AccountClient2`,
//! a function `connect` is the method `connect_2`, and `getValue` beside `get_value` gives `get_value` and
//! `get_value_2`. A function's argument, result and exception types share one number
//! (`StoreGetValue2Args`, `StoreGetValue2Result`). A service's methods also avoid its ancestors' (they
//! share its client), so each function has one method name in its trait and in every client. An enum is a
//! tuple struct, so its name must be free among the module's values too. A field or argument whose local or
//! parameter would shadow a constant or enum of the module binds `name_` instead, and one without letters
//! (`_1`) binds `field_1` or `arg_1`.
//!
//! - `struct`: public fields. `required` fields are `T` and must be on the wire; `optional` fields are
//!   `Option<T>`, written only when `Some`; fields with neither are `T`, always written (as Apache Thrift's
//!   C++ and Java write them), and take their IDL default (or `Default::default()`) when absent from the wire.
//!   `Default` honours IDL defaults (an `optional` field with a default starts as `Some`). A field that would
//!   make a type infinitely large (recursion held inline, or `&`) is boxed. `Eq`, `Hash`, `PartialOrd` and
//!   `Ord` are derived unless a `double` (or, with `hash_collections`, a set or map) is reachable.
//! - `union`: an enum with one variant per field; decoding requires exactly one known field.
//! - `exception`: a struct that also implements `Display` (its `message`/`msg` string field, else `Debug`)
//!   and `std::error::Error`.
//! - `enum`: `pub struct Op(pub i32)` with a constant per member, `VALUES`, `name()`, `from_name()`, and a
//!   `Debug` that prints the member's name, so unknown values from the wire survive a round trip.
//! - `typedef`: a type alias. `const`: a `pub const` (`&str` for strings, `&[u8]` for binary) or, for
//!   containers and structs, a `LazyLock` static whose value a private function of the same name in snake
//!   case builds.
//! - `list<T>` is `Vec<T>`; `set<T>`/`map<K, V>` are `BTreeSet`/`BTreeMap` (`HashSet`/`HashMap` with
//!   [`RustOptions::hash_collections`]), or `Vec<T>`/`Vec<(K, V)>` in wire order when the element or key
//!   holds a `double` and so can be neither ordered nor hashed. `string` is `String` (or, with
//!   [`RustOptions::string_type`] set to [`StringType::FastStr`], `FastStr`, which decodes without a copy),
//!   `binary` is `Bytes`, `uuid` is `idlc_runtime::Uuid`.
//! - `service S`: a handler trait `S` (one async method per function returning
//!   `Result<T, ServiceError<SFException>>`; `extends` is a supertrait), `SProcessor<H: S>` implementing
//!   `idlc_runtime::Processor`, and `SClient<C: Channel>` with every function of `S` and its ancestors.
//!   Declared exceptions are an enum `S{Function}Exception` with one variant per `throws` field (functions
//!   without any use `idlc_runtime::NoException`); `S{Function}Args`/`Result` are the wire structs.
pub mod codec;
mod items;
mod names;
mod service;
mod types;

use std::collections::HashSet;
use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{DefinitionId, FileId, Program, StructId, TypeKind};
use items::ConstForm;
use names::{ModuleScope, Scope};
use service::ServiceNames;

/// Choices that shape the generated code.
#[derive(Clone, Debug)]
pub struct RustOptions {
    /// The path generated code reaches the runtime through; `::idlc_runtime` unless the runtime is re-exported
    /// under another name.
    pub runtime_crate: String,
    /// `set` and `map` become `HashSet`/`HashMap` instead of `BTreeSet`/`BTreeMap`.
    pub hash_collections: bool,
    /// Derive `serde::Serialize`/`Deserialize` on generated types (the runtime's `serde` feature provides them).
    pub serde: bool,
    /// The Rust type of IDL `string` values.
    pub string_type: StringType,
}

/// What IDL `string` becomes in generated code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StringType {
    /// `String`: decoding validates UTF-8 and copies every string into its own allocation.
    #[default]
    String,
    /// The runtime's `FastStr` (from the `faststr` crate): decoding validates UTF-8 once and keeps short
    /// strings inline and longer ones as slices of the input buffer (when that is `Bytes`), so decoding
    /// allocates nothing per string; values keep the input buffer alive as long as they live.
    FastStr,
}

impl Default for RustOptions {
    fn default() -> Self {
        RustOptions {
            runtime_crate: "::idlc_runtime".to_owned(),
            hash_collections: false,
            serde: false,
            string_type: StringType::String,
        }
    }
}

/// The code for one IDL file.
#[derive(Clone, Debug)]
pub struct GeneratedFile {
    /// The module name the file is meant to be included as (`calculator`).
    pub module: String,
    /// The file name, relative to the output directory (`calculator.rs`).
    pub path: PathBuf,
    /// The IDL file it was generated from.
    pub source: String,
    /// The code as tokens (the derive macro's form).
    pub tokens: TokenStream,
    /// The code formatted by prettyplease, under a `// @generated` header.
    pub code: String,
}

/// Generates one module per file of `program`, in the order the files were read.
pub fn generate(program: &Program, options: &RustOptions) -> Vec<GeneratedFile> {
    let context = Context::new(program, options);
    (0..program.files.len())
        .map(|index| {
            let file = FileId(index as u32);
            let items = context.file_items(file);
            let code = format_items(&items, &program.file(file).path);
            let tokens = items.into_iter().collect();
            let module = context.modules[index].clone();
            GeneratedFile {
                path: PathBuf::from(format!("{module}.rs")),
                module,
                source: program.file(file).path.clone(),
                tokens,
                code,
            }
        })
        .collect()
}

/// How [`mod_file`] reaches the module files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModLayout {
    /// `pub mod calculator;` (the files sit beside `mod.rs` in a source tree).
    Files,
    /// `pub mod calculator { include!(concat!(env!("OUT_DIR"), "/calculator.rs")); }` (for a build script's
    /// `OUT_DIR`, included with `include!(concat!(env!("OUT_DIR"), "/mod.rs"))`).
    OutDir,
}

/// A parent module declaring every generated module.
pub fn mod_file(files: &[GeneratedFile], layout: ModLayout) -> String {
    let mut code = String::from("// @generated by idlc. Do not edit.\n\n");
    for file in files {
        let module = names::ident(&file.module);
        let item = match layout {
            ModLayout::Files => quote! { pub mod #module; },
            ModLayout::OutDir => {
                let path = format!("/{}", file.path.display());
                quote! { pub mod #module { include!(concat!(env!("OUT_DIR"), #path)); } }
            }
        };
        let source = format!(" Generated from `{}`.", file.source);
        let parsed: syn::File =
            syn::parse2(quote! { #[doc = #source] #item }).expect("valid module item");
        code.push_str(&prettyplease::unparse(&parsed));
    }
    code
}

/// Formats a file's items one at a time: parsing and printing each item's tokens on its own keeps the syntax
/// tree small (a large IDL's file as one tree is most of `idlc gen`'s time and memory) and prints the same
/// code.
fn format_items(items: &[TokenStream], source: &str) -> String {
    let header = format!("// @generated by idlc from `{source}`. Do not edit.\n\n");
    let mut code = String::new();
    for item in items {
        match syn::parse2::<syn::File>(item.clone()) {
            Ok(file) => code.push_str(&prettyplease::unparse(&file)),
            // A bug in the backend, not in the user's IDL; the unformatted tokens still show what went wrong.
            Err(error) => {
                let tokens: TokenStream = items.iter().cloned().collect();
                return format!(
                    "{header}compile_error!({:?});\n{tokens}\n",
                    error.to_string()
                );
            }
        }
    }
    header + &space_items(&code)
}

/// Puts a blank line between items and between the members of an impl or trait, which prettyplease leaves
/// out.
fn space_items(code: &str) -> String {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    for (index, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(next) = lines.get(index + 1) else {
            continue;
        };
        let indent = line.len() - line.trim_start().len();
        let next_indent = next.len() - next.trim_start().len();
        let next_trimmed = next.trim_start();
        let closes = line.trim_start() == "}" || line.trim_start() == "};";
        if line.trim_start().starts_with("//") {
            continue;
        }
        let item_start = next_trimmed.starts_with("///")
            || next_trimmed.starts_with("#[")
            || next_trimmed.starts_with("fn ")
            || next_trimmed.starts_with("pub fn ")
            || next_trimmed.starts_with("async fn ")
            || next_trimmed.starts_with("pub async fn ")
            || next_trimmed.starts_with("impl")
            || next_trimmed.starts_with("pub ");
        let blank = match indent {
            0 => {
                (closes || line.ends_with(';') || line.ends_with("{}"))
                    && !next.is_empty()
                    && next_indent == 0
            }
            4 => {
                next_indent == 4
                    && item_start
                    && (closes || (line.ends_with(';') && !next_trimmed.starts_with("pub const")))
            }
            _ => false,
        };
        if blank {
            out.push('\n');
        }
    }
    out
}

/// Names and facts about the whole program, computed once.
pub(crate) struct Context<'a> {
    pub(crate) program: &'a Program,
    pub(crate) options: &'a RustOptions,
    pub(crate) runtime: TokenStream,
    /// Module name per file.
    pub(crate) modules: Vec<String>,
    /// Rust name per struct, enum, typedef, service (type namespace) and const (value namespace).
    pub(crate) struct_names: Vec<String>,
    pub(crate) enum_names: Vec<String>,
    pub(crate) typedef_names: Vec<String>,
    pub(crate) service_names: Vec<String>,
    pub(crate) const_names: Vec<String>,
    /// Per const held in a static: the private function building its value.
    pub(crate) builder_names: Vec<Option<String>>,
    /// Per service: its processor, client, and the names of its functions' methods and wire types.
    pub(crate) services: Vec<ServiceNames>,
    /// Per file: the constants, statics and tuple structs of its module, which a local or parameter cannot
    /// shadow.
    pub(crate) unshadowable: Vec<HashSet<String>>,
    /// Per struct: whether its values hold a `double` or a collection that cannot be ordered or hashed.
    pub(crate) partial: Vec<bool>,
    /// Per struct: the structs reachable through fields held inline (not through a container).
    pub(crate) inline_reach: Vec<Vec<bool>>,
}

impl<'a> Context<'a> {
    fn new(program: &'a Program, options: &'a RustOptions) -> Self {
        let runtime: TokenStream = options
            .runtime_crate
            .parse()
            .unwrap_or_else(|_| quote!(::idlc_runtime));
        let mut module_scope = Scope::with_reserved(&["mod", "rt"]);
        let modules = program
            .files
            .iter()
            .enumerate()
            .map(|(index, file)| {
                let base = program
                    .files
                    .get(index)
                    .and_then(|_| {
                        file.namespaces
                            .iter()
                            .find(|n| n.scope == "rs")
                            .map(|n| n.name.replace('.', "_"))
                    })
                    .unwrap_or_else(|| file.module.clone());
                module_scope.claim(names::value_name(&base))
            })
            .collect();
        let mut scopes: Vec<ModuleScope> = program
            .files
            .iter()
            .map(|_| ModuleScope::default())
            .collect();
        let mut struct_names = vec![String::new(); program.structs.len()];
        let mut enum_names = vec![String::new(); program.enums.len()];
        let mut typedef_names = vec![String::new(); program.typedefs.len()];
        let mut service_names = vec![String::new(); program.services.len()];
        let mut const_names = vec![String::new(); program.consts.len()];
        // The names the IDL spells come first, in declaration order, so that a name the backend invents never
        // renames one of them.
        for (file, scope) in program.files.iter().zip(&mut scopes) {
            for definition in &file.definitions {
                match *definition {
                    DefinitionId::Struct(s) => {
                        struct_names[s.index()] = scope
                            .types
                            .claim_type(names::type_name(&program.struct_(s).name))
                    }
                    DefinitionId::Enum(e) => {
                        enum_names[e.index()] =
                            scope.claim_tuple_struct(names::type_name(&program.enum_(e).name))
                    }
                    DefinitionId::Typedef(t) => {
                        typedef_names[t.index()] = scope
                            .types
                            .claim_type(names::type_name(&program.typedef(t).name))
                    }
                    DefinitionId::Service(s) => {
                        service_names[s.index()] = scope
                            .types
                            .claim_type(names::type_name(&program.service(s).name))
                    }
                    DefinitionId::Const(c) => {
                        const_names[c.index()] = scope
                            .values
                            .claim(names::const_name(&program.const_(c).name))
                    }
                }
            }
        }
        let unshadowable = program
            .files
            .iter()
            .map(|file| {
                file.definitions
                    .iter()
                    .filter_map(|definition| match *definition {
                        DefinitionId::Enum(e) => Some(enum_names[e.index()].clone()),
                        DefinitionId::Const(c) => Some(const_names[c.index()].clone()),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        // Then the names the backend makes up from them, in declaration order too.
        let mut builder_names = vec![None; program.consts.len()];
        let mut services: Vec<ServiceNames> = std::iter::repeat_with(ServiceNames::default)
            .take(program.services.len())
            .collect();
        for (file, scope) in program.files.iter().zip(&mut scopes) {
            for definition in &file.definitions {
                match *definition {
                    DefinitionId::Const(c)
                        if items::const_form(program, c) == ConstForm::Static =>
                    {
                        builder_names[c.index()] = Some(
                            scope
                                .values
                                .claim(names::value_name(&const_names[c.index()])),
                        );
                    }
                    DefinitionId::Service(s) => {
                        services[s.index()] = ServiceNames::invent(
                            program,
                            s,
                            &service_names[s.index()],
                            &mut scope.types,
                        );
                    }
                    _ => {}
                }
            }
        }
        let mut context = Context {
            program,
            options,
            runtime,
            modules,
            struct_names,
            enum_names,
            typedef_names,
            service_names,
            const_names,
            builder_names,
            services,
            unshadowable,
            partial: Vec::new(),
            inline_reach: Vec::new(),
        };
        context.partial = context.compute_partial();
        context.inline_reach = context.compute_inline_reach();
        context
    }

    /// Fixpoint: a struct is partial if any field's type is.
    fn compute_partial(&self) -> Vec<bool> {
        let mut partial = vec![false; self.program.structs.len()];
        loop {
            let mut changed = false;
            for (index, s) in self.program.structs.iter().enumerate() {
                if !partial[index] && s.fields.iter().any(|f| self.type_partial(&f.ty, &partial)) {
                    partial[index] = true;
                    changed = true;
                }
            }
            if !changed {
                return partial;
            }
        }
    }

    /// True if values of `ty` cannot be `Eq`/`Ord`/`Hash`.
    pub(crate) fn type_partial(&self, ty: &crate::ir::Type, partial: &[bool]) -> bool {
        match &self.program.resolve(ty).kind {
            TypeKind::Double => true,
            TypeKind::List { element, .. } => self.type_partial(element, partial),
            TypeKind::Set { element, .. } => {
                self.options.hash_collections || self.type_partial(element, partial)
            }
            TypeKind::Map { key, value, .. } => {
                self.options.hash_collections
                    || self.type_partial(key, partial)
                    || self.type_partial(value, partial)
            }
            TypeKind::Struct(id) => partial[id.index()],
            _ => false,
        }
    }

    fn compute_inline_reach(&self) -> Vec<Vec<bool>> {
        let count = self.program.structs.len();
        let edges: Vec<Vec<usize>> = self
            .program
            .structs
            .iter()
            .map(|s| {
                s.fields
                    .iter()
                    .filter_map(|f| match self.program.resolve(&f.ty).kind {
                        TypeKind::Struct(id) => Some(id.index()),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        (0..count)
            .map(|start| {
                let mut seen = vec![false; count];
                let mut stack: Vec<usize> = edges[start].clone();
                while let Some(next) = stack.pop() {
                    if !seen[next] {
                        seen[next] = true;
                        stack.extend(edges[next].iter().copied());
                    }
                }
                seen
            })
            .collect()
    }

    /// Whether a field of `ty` inside struct `owner` must be boxed to keep the type finite.
    pub(crate) fn needs_box(
        &self,
        owner: Option<StructId>,
        ty: &crate::ir::Type,
        reference: bool,
    ) -> bool {
        if let TypeKind::Struct(target) = self.program.resolve(ty).kind {
            if reference {
                return true;
            }
            if let Some(owner) = owner {
                return target == owner || self.inline_reach[target.index()][owner.index()];
            }
        }
        false
    }

    /// The locals or parameters that fields or arguments with the Rust names `names` bind in code of `file`'s
    /// module, where the generated body uses `fixed` itself.
    ///
    /// A name the body uses gets a trailing `_`; so does one that is a constant, static or tuple struct of the
    /// module, which a binding cannot shadow (only a name starting with a digit can be both). A name without
    /// letters (`_1`), which clippy takes for a placeholder, binds `{prefix}_1` instead, claimed after the others.
    pub(crate) fn bindings(
        &self,
        file: FileId,
        names: &[String],
        fixed: &[&str],
        prefix: &str,
    ) -> Vec<String> {
        let unshadowable = &self.unshadowable[file.0 as usize];
        let has_letters = |name: &str| name.chars().any(|c| c.is_ascii_alphabetic());
        let mut scope = Scope::with_reserved(fixed);
        let mut bindings: Vec<Option<String>> = names
            .iter()
            .map(|name| {
                has_letters(name).then(|| {
                    let binding = if fixed.contains(&name.as_str()) || unshadowable.contains(name) {
                        format!("{name}_")
                    } else {
                        name.clone()
                    };
                    scope.take(&binding);
                    binding
                })
            })
            .collect();
        for (binding, name) in bindings.iter_mut().zip(names) {
            if binding.is_none() {
                *binding = Some(scope.claim(format!("{prefix}{name}")));
            }
        }
        bindings.into_iter().flatten().collect()
    }

    /// The items of one file's module, the runtime import first when the module needs it.
    fn file_items(&self, file: FileId) -> Vec<TokenStream> {
        let rt_path = &self.runtime;
        let mut items = Vec::new();
        let definitions = &self.program.file(file).definitions;
        for definition in definitions {
            items.push(match *definition {
                DefinitionId::Struct(id) => self.struct_item(id),
                DefinitionId::Enum(id) => self.enum_item(id),
                DefinitionId::Typedef(id) => self.typedef_item(id),
                DefinitionId::Const(id) => self.const_item(id),
                DefinitionId::Service(id) => self.service_items(id),
            });
        }
        let uses_runtime = definitions
            .iter()
            .any(|d| !matches!(d, DefinitionId::Typedef(_) | DefinitionId::Const(_)))
            || items
                .iter()
                .any(|tokens| tokens.to_string().contains("rt ::"));
        if uses_runtime {
            items.insert(0, quote! { use #rt_path::__codegen as rt; });
        }
        items
    }
}

/// The IDL doc comment, or `fallback` for a definition the IDL leaves undocumented, so that generated code
/// passes `missing_docs` in the user's crate.
pub(crate) fn doc_or(doc: Option<&str>, fallback: impl FnOnce() -> String) -> TokenStream {
    match doc {
        Some(doc) => doc_attrs(Some(doc)),
        None => {
            let line = format!(" {}", fallback());
            quote! { #[doc = #line] }
        }
    }
}

/// The file name of an IDL source, without its directories, for doc lines of undocumented items.
pub(crate) fn source_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// `#[doc = "..."]` lines for an IDL doc comment.
pub(crate) fn doc_attrs(doc: Option<&str>) -> TokenStream {
    let Some(doc) = doc else {
        return TokenStream::new();
    };
    let lines = doc.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote! { #[doc = #line] }
    });
    quote! { #(#lines)* }
}

#[cfg(test)]
mod tests {
    use super::space_items;

    #[test]
    fn blank_lines_separate_items_and_members_but_not_doc_lines() {
        let code = "/// One;\n/// two.\npub struct A;\nimpl A {\n    pub const X: i32 = 1;\n    pub const Y: i32 = 2;\n    fn a() {}\n    fn b() {\n        f();\n    }\n    fn c() {}\n}\nuse x;\npub struct B {}\nimpl B {}\n";
        let expected = "/// One;\n/// two.\npub struct A;\n\nimpl A {\n    pub const X: i32 = 1;\n    pub const Y: i32 = 2;\n\n    fn a() {}\n    fn b() {\n        f();\n    }\n\n    fn c() {}\n}\n\nuse x;\n\npub struct B {}\n\nimpl B {}\n";
        assert_eq!(space_items(code), expected);
    }
}
