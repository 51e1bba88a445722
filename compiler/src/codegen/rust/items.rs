//! Structs, unions, exceptions, enums, typedefs and constants: the items each IDL definition becomes (their
//! codecs come from [`super::codec`]).

use proc_macro2::TokenStream;
use quote::quote;

use super::codec::{Expansion, FieldModel, Presence, Shape, Spelled, StructModel, WireType};
use super::names::{self, Scope, ident};
use super::{Context, doc_or, source_name};
use crate::ir::{
    ConstValue, EnumId, Field, FileId, Program, Requiredness, StructId, StructKind, Type, TypeKind,
};

/// A struct to generate: one from the IDL or one a service needs on the wire (arguments, results).
pub(crate) struct StructDef<'a> {
    pub(crate) id: Option<StructId>,
    pub(crate) name: String,
    pub(crate) wire_name: String,
    pub(crate) kind: StructKind,
    pub(crate) fields: &'a [Field],
    pub(crate) doc: TokenStream,
    pub(crate) file: FileId,
    /// Service wire structs are public for generated clients of extending services, but not for users.
    pub(crate) hidden: bool,
}

/// Locals the decode functions use themselves.
const DECODE_LOCALS: &[&str] = &["r", "field", "other", "value", "found"];

/// Mathematical constants clippy expects to be named rather than written out.
const KNOWN_CONSTANTS: &[f64] = &[
    std::f64::consts::E,
    std::f64::consts::FRAC_1_PI,
    std::f64::consts::FRAC_1_SQRT_2,
    std::f64::consts::FRAC_2_PI,
    std::f64::consts::FRAC_2_SQRT_PI,
    std::f64::consts::FRAC_PI_2,
    std::f64::consts::FRAC_PI_3,
    std::f64::consts::FRAC_PI_4,
    std::f64::consts::FRAC_PI_6,
    std::f64::consts::FRAC_PI_8,
    std::f64::consts::LN_10,
    std::f64::consts::LN_2,
    std::f64::consts::LOG10_E,
    std::f64::consts::LOG2_E,
    std::f64::consts::LOG2_10,
    std::f64::consts::LOG10_2,
    std::f64::consts::PI,
    std::f64::consts::SQRT_2,
    std::f64::consts::TAU,
];

fn near_known_constant(value: &ConstValue) -> bool {
    match value {
        ConstValue::Double(d) => KNOWN_CONSTANTS.iter().any(|c| (d - c).abs() < 1e-2),
        ConstValue::List(items) => items.iter().any(near_known_constant),
        ConstValue::Map(entries) => entries
            .iter()
            .any(|(k, v)| near_known_constant(k) || near_known_constant(v)),
        ConstValue::Struct { fields, .. } => fields.iter().any(|(_, v)| near_known_constant(v)),
        _ => false,
    }
}

/// `#[allow(clippy::approx_constant)]` when an IDL value happens to look like π or e.
fn approx_allow<'v>(values: impl IntoIterator<Item = &'v ConstValue>) -> TokenStream {
    if values.into_iter().any(near_known_constant) {
        quote!(#[allow(clippy::approx_constant, reason = "the value is the IDL's own")])
    } else {
        TokenStream::new()
    }
}

/// A field's IDL doc comment, or its id and IDL name.
fn field_doc(field: &Field) -> TokenStream {
    doc_or(field.doc.as_deref(), || {
        if field.implicit_id {
            format!("Field `{}`.", field.name)
        } else {
            format!("Field {}, `{}`.", field.id, field.name)
        }
    })
}

/// True if `value` is what `Default::default()` gives for `ty` anyway.
fn is_trivial_default(value: &ConstValue) -> bool {
    match value {
        ConstValue::Bool(b) => !b,
        ConstValue::Int(i) => *i == 0,
        ConstValue::Double(d) => *d == 0.0 && d.is_sign_positive(),
        ConstValue::String(s) => s.is_empty(),
        ConstValue::List(items) => items.is_empty(),
        ConstValue::Map(entries) => entries.is_empty(),
        _ => false,
    }
}

impl Context<'_> {
    /// Rust field names for `fields`, unique within the struct.
    pub(crate) fn field_names(&self, fields: &[Field]) -> Vec<String> {
        let mut scope = Scope::default();
        fields
            .iter()
            .map(|f| scope.claim(names::value_name(&f.name)))
            .collect()
    }

    /// Rust variant names for a union's fields.
    pub(crate) fn variant_names(&self, fields: &[Field]) -> Vec<String> {
        let mut scope = Scope::default();
        fields
            .iter()
            .map(|f| scope.claim_type(names::type_name(&f.name)))
            .collect()
    }

    /// Rust const names for an enum's members.
    pub(crate) fn enum_member_names(&self, id: EnumId) -> Vec<String> {
        let mut scope = Scope::with_reserved(&["VALUES"]);
        self.program
            .enum_(id)
            .members
            .iter()
            .map(|m| scope.claim(names::const_name(&m.name)))
            .collect()
    }

    /// `partial` leaves out `Eq`, `Hash` and the orderings, which a `double` or unordered collection rules out.
    fn derives(&self, partial: bool, default: bool) -> TokenStream {
        let serde = self.serde_derive();
        let default = default.then(|| quote!(Default,));
        if partial {
            quote!(#[derive(Clone, Debug, #default PartialEq #serde)])
        } else {
            quote!(#[derive(Clone, Debug, #default PartialEq, Eq, Hash, PartialOrd, Ord #serde)])
        }
    }

    fn serde_derive(&self) -> TokenStream {
        if self.options.serde {
            quote!(, rt::serde::Serialize, rt::serde::Deserialize)
        } else {
            TokenStream::new()
        }
    }

    fn serde_crate(&self) -> TokenStream {
        if self.options.serde {
            let path = format!("{}::__codegen::serde", self.options.runtime_crate);
            quote!(#[serde(crate = #path)])
        } else {
            TokenStream::new()
        }
    }

    fn struct_partial(&self, def: &StructDef<'_>) -> bool {
        match def.id {
            Some(id) => self.partial[id.index()],
            None => def
                .fields
                .iter()
                .any(|f| self.type_partial(&f.ty, &self.partial)),
        }
    }

    /// The Rust type of a struct field, with `Box` and `Option` as its requiredness and recursion need.
    fn field_type(&self, def: &StructDef<'_>, field: &Field) -> TokenStream {
        let mut ty = self.rust_type(&field.ty, def.file);
        if self.needs_box(def.id, &field.ty, field.reference) {
            ty = quote!(Box<#ty>);
        }
        if field.requiredness == Requiredness::Optional && def.kind != StructKind::Union {
            ty = quote!(Option<#ty>);
        }
        ty
    }

    pub(crate) fn struct_item(&self, id: StructId) -> TokenStream {
        let s = self.program.struct_(id);
        self.struct_def(&StructDef {
            id: Some(id),
            name: self.struct_names[id.index()].clone(),
            wire_name: s.name.clone(),
            kind: s.kind,
            fields: &s.fields,
            doc: doc_or(s.doc.as_deref(), || {
                let kind = match s.kind {
                    StructKind::Struct => "struct",
                    StructKind::Union => "union",
                    StructKind::Exception => "exception",
                };
                let source = source_name(&self.program.file(s.file).path);
                format!("The `{}` {kind} from `{source}`.", s.name)
            }),
            file: s.file,
            hidden: false,
        })
    }

    pub(crate) fn struct_def(&self, def: &StructDef<'_>) -> TokenStream {
        if def.kind == StructKind::Union {
            return self.union_def(def);
        }
        let name = ident(&def.name);
        let doc = &def.doc;
        let hidden = def.hidden.then(|| quote!(#[doc(hidden)]));
        let partial = self.struct_partial(def);
        let field_names = self.field_names(def.fields);
        let fields = def
            .fields
            .iter()
            .zip(&field_names)
            .map(|(field, field_name)| {
                // Wire structs are hidden from the docs, so their fields need no doc line.
                let doc = if def.hidden {
                    TokenStream::new()
                } else {
                    field_doc(field)
                };
                let field_name = ident(field_name);
                let ty = self.field_type(def, field);
                quote! { #doc pub #field_name: #ty }
            });

        let custom_default = def.fields.iter().any(|f| {
            f.default
                .as_ref()
                .is_some_and(|d| !is_trivial_default(d) || f.requiredness == Requiredness::Optional)
        });
        let default_impl = custom_default.then(|| {
            let inits = def
                .fields
                .iter()
                .zip(&field_names)
                .map(|(field, field_name)| {
                    let field_name = ident(field_name);
                    let value = self.field_default(def, field);
                    quote!(#field_name: #value)
                });
            let allow = approx_allow(def.fields.iter().filter_map(|f| f.default.as_ref()));
            quote! {
                impl Default for #name {
                    #allow
                    fn default() -> Self {
                        #name { #(#inits),* }
                    }
                }
            }
        });
        // Wire structs need only what the generated client and processor use: no hashing or ordering.
        let derives = self.derives(partial || def.hidden, !custom_default);
        let serde_crate = self.serde_crate();
        let exception =
            (def.kind == StructKind::Exception).then(|| self.exception_impls(def, &field_names));
        let codec = self.codec_model(def, &field_names, Shape::Struct).codec();
        quote! {
            #doc
            #hidden
            #derives
            #serde_crate
            pub struct #name {
                #(#fields,)*
            }
            #default_impl
            #exception
            #codec
        }
    }

    /// What a field holds in `Default::default()`.
    fn field_default(&self, def: &StructDef<'_>, field: &Field) -> TokenStream {
        match &field.default {
            Some(value)
                if field.requiredness == Requiredness::Optional || !is_trivial_default(value) =>
            {
                let mut expr = self.value_expr(&field.ty, value, def.file);
                if self.needs_box(def.id, &field.ty, field.reference) {
                    expr = quote!(Box::new(#expr));
                }
                if field.requiredness == Requiredness::Optional {
                    expr = quote!(Some(#expr));
                }
                expr
            }
            _ => quote!(Default::default()),
        }
    }

    fn exception_impls(&self, def: &StructDef<'_>, field_names: &[String]) -> TokenStream {
        let name = ident(&def.name);
        let message = def.fields.iter().zip(field_names).find(|(f, _)| {
            matches!(f.name.as_str(), "message" | "msg")
                && self.program.resolve(&f.ty).kind == TypeKind::String
        });
        let body = match message {
            Some((field, field_name)) => {
                let field_name = ident(field_name);
                if field.requiredness == Requiredness::Optional {
                    quote! {
                        match &self.#field_name {
                            Some(message) => f.write_str(message),
                            None => write!(f, "{self:?}"),
                        }
                    }
                } else {
                    quote!(f.write_str(&self.#field_name))
                }
            }
            None => quote!(write!(f, "{self:?}")),
        };
        quote! {
            impl rt::fmt::Display for #name {
                fn fmt(&self, f: &mut rt::fmt::Formatter<'_>) -> rt::fmt::Result {
                    #body
                }
            }

            impl rt::Error for #name {}
        }
    }

    /// The codec model of a struct or union: its fields as the shared emitter takes them. `members` are the
    /// Rust field (or variant) names.
    fn codec_model(&self, def: &StructDef<'_>, members: &[String], shape: Shape) -> StructModel {
        let locals = match shape {
            Shape::Struct => self.bindings(def.file, members, DECODE_LOCALS, "field"),
            Shape::Union => members.to_vec(),
        };
        let fields = def
            .fields
            .iter()
            .zip(members)
            .zip(&locals)
            .map(|((field, member), local)| {
                let presence = match (shape, field.requiredness) {
                    (Shape::Union, _) => Presence::Required,
                    (_, Requiredness::Required) => Presence::Required,
                    (_, Requiredness::Optional) => Presence::Optional,
                    (_, Requiredness::Default) if self.is_scalar(&field.ty) => Presence::Default {
                        initial: Some(match &field.default {
                            Some(value) => self.value_expr(&field.ty, value, def.file),
                            None => self.scalar_zero(&field.ty, def.file),
                        }),
                        absent: None,
                    },
                    (_, Requiredness::Default) => Presence::Default {
                        initial: None,
                        absent: field
                            .default
                            .as_ref()
                            .filter(|default| !is_trivial_default(default))
                            .map(|default| {
                                let expr = self.value_expr(&field.ty, default, def.file);
                                if self.needs_box(def.id, &field.ty, field.reference) {
                                    quote!(Box::new(#expr))
                                } else {
                                    expr
                                }
                            }),
                    },
                };
                let spelled = (!self.via_trait(&field.ty)).then(|| Spelled {
                    write: self.write_expr(&field.ty, quote!(value)),
                    read: self.read_expr(&field.ty, def.file),
                });
                FieldModel {
                    member: ident(member),
                    wire_name: field.name.clone(),
                    id: field.id,
                    presence,
                    wire_type: WireType::Known(self.ttype(&field.ty)),
                    local: ident(local),
                    span: proc_macro2::Span::call_site(),
                    spelled,
                }
            })
            .collect();
        StructModel {
            name: ident(&def.name),
            wire_name: def.wire_name.clone(),
            shape,
            fields,
            decode_attrs: approx_allow(def.fields.iter().filter_map(|f| f.default.as_ref())),
            expansion: Expansion::Module,
        }
    }

    /// The zero value of a scalar type, as `Default::default()` gives it.
    fn scalar_zero(&self, ty: &Type, from: FileId) -> TokenStream {
        match &self.program.resolve(ty).kind {
            TypeKind::Bool => quote!(false),
            TypeKind::Double => quote!(0.0),
            TypeKind::Enum(_) => {
                let path = self.rust_type(self.program.resolve(ty), from);
                quote!(#path::default())
            }
            _ => quote!(0),
        }
    }

    fn union_def(&self, def: &StructDef<'_>) -> TokenStream {
        let name = ident(&def.name);
        let doc = &def.doc;
        let partial = self.struct_partial(def);
        let variant_names = self.variant_names(def.fields);
        let variants = def
            .fields
            .iter()
            .zip(&variant_names)
            .map(|(field, variant)| {
                let doc = field_doc(field);
                let variant = ident(variant);
                let ty = self.field_type(def, field);
                quote! { #doc #variant(#ty) }
            });
        let derives = self.derives(partial, false);
        let serde_crate = self.serde_crate();

        let default_impl = def.fields.first().map(|first| {
            let (field, variant) = def
                .fields
                .iter()
                .zip(&variant_names)
                .find(|(f, _)| f.default.is_some())
                .unwrap_or((first, &variant_names[0]));
            let variant = ident(variant);
            let mut value = match &field.default {
                Some(value) => self.value_expr(&field.ty, value, def.file),
                None => quote!(Default::default()),
            };
            if self.needs_box(def.id, &field.ty, field.reference) && field.default.is_some() {
                value = quote!(Box::new(#value));
            }
            let allow = approx_allow(field.default.as_ref());
            quote! {
                impl Default for #name {
                    #allow
                    fn default() -> Self {
                        #name::#variant(#value)
                    }
                }
            }
        });

        let codec = self.codec_model(def, &variant_names, Shape::Union).codec();
        quote! {
            #doc
            #derives
            #serde_crate
            pub enum #name {
                #(#variants,)*
            }
            #default_impl
            #codec
        }
    }

    pub(crate) fn enum_item(&self, id: EnumId) -> TokenStream {
        let e = self.program.enum_(id);
        let name = ident(&self.enum_names[id.index()]);
        let doc = doc_or(e.doc.as_deref(), || {
            let source = source_name(&self.program.file(e.file).path);
            format!("The `{}` enum from `{source}`.", e.name)
        });
        let member_names = self.enum_member_names(id);
        let consts = e
            .members
            .iter()
            .zip(&member_names)
            .map(|(member, member_name)| {
                let doc = doc_or(member.doc.as_deref(), || {
                    format!("`{}` = {}.", member.name, member.value)
                });
                let member_name = ident(member_name);
                let value = super::types::int_literal(i64::from(member.value));
                quote! { #doc pub const #member_name: #name = #name(#value); }
            });
        // Aliases share a value: the first name is the one printed, and the value is listed once.
        let mut distinct: Vec<(i32, &String)> = Vec::new();
        for (member, member_name) in e.members.iter().zip(&member_names) {
            if !distinct.iter().any(|(value, _)| *value == member.value) {
                distinct.push((member.value, member_name));
            }
        }
        let values = distinct.iter().map(|(_, n)| {
            let n = ident(n);
            quote!(#name::#n)
        });
        let name_body = if distinct.is_empty() {
            quote!(None)
        } else {
            let arms = distinct.iter().zip(&e.members).map(|((value, _), _)| {
                let member = e
                    .members
                    .iter()
                    .find(|m| m.value == *value)
                    .map(|m| m.name.as_str());
                let value = super::types::int_literal(i64::from(*value));
                quote!(#value => Some(#member),)
            });
            quote! {
                match self.0 {
                    #(#arms)*
                    _ => None,
                }
            }
        };
        let from_name_body = if e.members.is_empty() {
            quote!(None)
        } else {
            let arms = e
                .members
                .iter()
                .zip(&member_names)
                .map(|(member, member_name)| {
                    let wire = &member.name;
                    let member_name = ident(member_name);
                    quote!(#wire => Some(#name::#member_name),)
                });
            quote! {
                match name {
                    #(#arms)*
                    _ => None,
                }
            }
        };
        let from_name_param = if e.members.is_empty() {
            quote!(_name)
        } else {
            quote!(name)
        };
        // Without members the default is 0, which `derive(Default)` gives.
        let default_derive = e.members.is_empty().then(|| quote!(Default,));
        let default_impl = e.members.first().map(|_| {
            let first = ident(&member_names[0]);
            quote! {
                impl Default for #name {
                    fn default() -> Self {
                        #name::#first
                    }
                }
            }
        });
        let unnamed = format!("{}({{}})", e.name);
        let wire_name = &e.name;
        let serde = self.serde_derive();
        let serde_crate = self.serde_crate();
        quote! {
            #doc
            #[derive(Clone, Copy, #default_derive PartialEq, Eq, Hash, PartialOrd, Ord #serde)]
            #serde_crate
            pub struct #name(pub i32);

            impl #name {
                #(#consts)*
                /// Every distinct value the IDL names, in declaration order.
                pub const VALUES: &'static [#name] = &[#(#values),*];

                /// The IDL name of this value, if it has one.
                pub fn name(self) -> Option<&'static str> {
                    #name_body
                }

                /// The value with this IDL name.
                pub fn from_name(#from_name_param: &str) -> Option<#name> {
                    #from_name_body
                }
            }

            #default_impl

            impl rt::fmt::Debug for #name {
                fn fmt(&self, f: &mut rt::fmt::Formatter<'_>) -> rt::fmt::Result {
                    match self.name() {
                        Some(name) => f.write_str(name),
                        None => write!(f, #unnamed, self.0),
                    }
                }
            }

            impl From<i32> for #name {
                fn from(value: i32) -> Self {
                    #name(value)
                }
            }

            impl From<#name> for i32 {
                fn from(value: #name) -> Self {
                    value.0
                }
            }

            impl rt::ThriftValue for #name {
                const TTYPE: rt::TType = rt::TType::I32;

                fn write<W: rt::Writer>(&self, w: &mut W) -> Result<(), rt::EncodeError> {
                    w.write_i32(self.0)
                }

                fn read<R: rt::Reader>(r: &mut R) -> Result<Self, rt::DecodeError> {
                    r.read_i32().map(#name)
                }
            }

            impl rt::ThriftEnum for #name {
                const NAME: &'static str = #wire_name;

                fn to_i32(&self) -> i32 {
                    self.0
                }

                // Every value is kept, known or not, so a round trip never loses one.
                fn from_i32(value: i32) -> Option<Self> {
                    Some(#name(value))
                }
            }
        }
    }

    pub(crate) fn typedef_item(&self, id: crate::ir::TypedefId) -> TokenStream {
        let t = self.program.typedef(id);
        let name = ident(&self.typedef_names[id.index()]);
        let doc = doc_or(t.doc.as_deref(), || {
            let source = source_name(&self.program.file(t.file).path);
            format!("The `{}` typedef from `{source}`.", t.name)
        });
        let target = self.rust_type(&t.target, t.file);
        quote! { #doc pub type #name = #target; }
    }

    pub(crate) fn const_item(&self, id: crate::ir::ConstId) -> TokenStream {
        let c = self.program.const_(id);
        let name = ident(&self.const_names[id.index()]);
        let doc = doc_or(c.doc.as_deref(), || {
            let source = source_name(&self.program.file(c.file).path);
            format!("The `{}` constant from `{source}`.", c.name)
        });
        let allow = approx_allow([&c.value]);
        let ty = self.rust_type(&c.ty, c.file);
        match (const_form(self.program, id), &c.value) {
            (ConstForm::Str, ConstValue::String(s)) => {
                quote! { #doc pub const #name: &str = #s; }
            }
            (ConstForm::Bytes, ConstValue::String(s)) => {
                let bytes = proc_macro2::Literal::byte_string(s.as_bytes());
                quote! { #doc pub const #name: &[u8] = #bytes; }
            }
            (ConstForm::Plain, _) => {
                let value = self.value_expr(&c.ty, &c.value, c.file);
                quote! { #doc #allow pub const #name: #ty = #value; }
            }
            _ => {
                let value = self.value_expr(&c.ty, &c.value, c.file);
                // The value is built by a named function rather than a closure, which prettyplease would print
                // from column 0 after `LazyLock::new(||`.
                let builder = self.builder_names[id.index()]
                    .as_deref()
                    .expect("every const held in a static has a builder name");
                let builder = ident(builder);
                quote! {
                    #doc pub static #name: rt::LazyLock<#ty> = rt::LazyLock::new(#builder);
                    #allow fn #builder() -> #ty { #value }
                }
            }
        }
    }
}

/// What a constant becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConstForm {
    /// A `pub const` of type `&str`.
    Str,
    /// A `pub const` of type `&[u8]`.
    Bytes,
    /// A `pub const` of its own type.
    Plain,
    /// A `LazyLock` static built by a private function.
    Static,
}

/// What constant `id` becomes: its form decides whether it needs a builder function, which is named with the
/// rest of the module.
pub(crate) fn const_form(program: &Program, id: crate::ir::ConstId) -> ConstForm {
    let c = program.const_(id);
    match (&program.resolve(&c.ty).kind, &c.value) {
        (TypeKind::String, ConstValue::String(_)) => ConstForm::Str,
        (TypeKind::Binary, ConstValue::String(_)) => ConstForm::Bytes,
        (
            TypeKind::Bool
            | TypeKind::I8
            | TypeKind::I16
            | TypeKind::I32
            | TypeKind::I64
            | TypeKind::Double
            | TypeKind::Uuid
            | TypeKind::Enum(_),
            _,
        ) => ConstForm::Plain,
        _ => ConstForm::Static,
    }
}
