//! The `ThriftStruct` impl of a struct or union, from a [`StructModel`]: what the Rust backend builds from
//! the IDL, and what `#[derive(ThriftStruct)]` and `#[derive(ThriftUnion)]` build from a hand-written type.
//! One emitter for both, so a hand-written type and its IDL twin share their codec by construction.
//!
//! Every field is written and read through the runtime's `ThriftValue` trait, which each field type
//! implements, however deeply it nests; a field can also spell out its own expressions (the backend does for
//! the few types whose Rust form does not say how they travel, a set held in a `Vec`).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

/// A struct or union and its fields, as the emitter needs them.
#[derive(Debug, Clone)]
pub struct StructModel {
    /// The Rust type.
    pub name: Ident,
    /// The name on the wire (the protocols that spell names out write it).
    pub wire_name: String,
    /// A struct (or exception) with named fields, or a union: an enum of one-value variants.
    pub shape: Shape,
    /// The fields (variants, for a union) in declaration order.
    pub fields: Vec<FieldModel>,
    /// Attributes for the `decode` function (the backend allows a lint an IDL default can trip).
    pub decode_attrs: TokenStream,
    /// Where the code lands, which decides how the emitter's own names stay clear of the user's.
    pub expansion: Expansion,
}

/// Where the emitted code lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expansion {
    /// A generated module: the backend has already kept every IDL name clear of the emitter's (`w`, `r`,
    /// `W`, `R`, ...), and the code may be printed and read back, so plain names do.
    Module,
    /// A derive's expansion beside hand-written code, where any name may already be in scope: locals get
    /// mixed-site hygiene and a `__` prefix (a binding cannot share its name with a constant in scope), and
    /// the generic parameters unusual names (a field may hold a type named `R`).
    Derive,
}

/// What Rust shape a model has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Named fields.
    Struct,
    /// An enum of variants holding one value each; exactly one is on the wire.
    Union,
}

/// How a field's absence from the wire is handled, Apache's requiredness.
#[derive(Debug, Clone)]
pub enum Presence {
    /// Must be on the wire; its absence is an error naming it.
    Required,
    /// An `Option`, `None` when absent (for a union: a variant).
    Optional,
    /// Takes a value when absent: read straight into a local that starts with `initial` (for cheap scalars),
    /// or otherwise the `absent` expression (`None` for `Default::default()`).
    Default {
        /// Read straight into a local holding this value to begin with.
        initial: Option<TokenStream>,
        /// The value when absent, for a field not read straight into its local.
        absent: Option<TokenStream>,
    },
}

/// The wire type a field is read under, for the decoder's match.
#[derive(Debug, Clone)]
pub enum WireType {
    /// Known when the code is generated: a `TType` path such as `rt::TType::I32`.
    Known(TokenStream),
    /// Whatever the field's Rust type says through `ThriftValue::TTYPE` (a derive cannot know).
    OfType(TokenStream),
}

/// One field of a struct, or one variant of a union.
#[derive(Debug, Clone)]
pub struct FieldModel {
    /// The Rust field (or variant) name.
    pub member: Ident,
    /// The name on the wire.
    pub wire_name: String,
    /// The field id.
    pub id: i16,
    /// What its absence means.
    pub presence: Presence,
    /// The wire type it is read under.
    pub wire_type: WireType,
    /// The local the decoder reads it into.
    pub local: Ident,
    /// The span errors about the field's type point at (a derive: the field's type).
    pub span: Span,
    /// Expressions of its own instead of the trait, for types whose Rust form does not say how they travel:
    /// a write taking the value as `value` (a reference) and returning `Result<(), EncodeError>` after the
    /// field header, and a read of type `Result<T, DecodeError>`.
    pub spelled: Option<Spelled>,
}

/// A field's own write and read expressions (see [`FieldModel::spelled`]).
#[derive(Debug, Clone)]
pub struct Spelled {
    /// Writes `value`.
    pub write: TokenStream,
    /// Reads the value.
    pub read: TokenStream,
}

impl Expansion {
    /// A name the emitter binds itself.
    fn local(self, name: &str) -> Ident {
        match self {
            Expansion::Module => Ident::new(name, Span::call_site()),
            Expansion::Derive => Ident::new(&format!("__{name}"), Span::mixed_site()),
        }
    }

    /// The writer's and reader's generic parameters.
    fn generics(self) -> (Ident, Ident) {
        match self {
            Expansion::Module => (format_ident!("W"), format_ident!("R")),
            Expansion::Derive => (format_ident!("__W"), format_ident!("__R")),
        }
    }
}

impl StructModel {
    /// `impl ThriftStruct for {name}`, through the runtime path `rt`.
    pub fn codec(&self) -> TokenStream {
        match self.shape {
            Shape::Struct => self.struct_codec(),
            Shape::Union => self.union_codec(),
        }
    }

    fn struct_codec(&self) -> TokenStream {
        let name = &self.name;
        let wire_name = &self.wire_name;
        let local = |name| self.expansion.local(name);
        let (w, r, field, other) = (local("w"), local("r"), local("field"), local("other"));
        let (gw, gr) = self.expansion.generics();
        // Fields go out in ascending id order, as Apache Thrift writes them (implicit negative ids first).
        let mut in_id_order: Vec<&FieldModel> = self.fields.iter().collect();
        in_id_order.sort_by_key(|f| f.id);
        let writes = in_id_order.into_iter().map(|f| {
            let member = &f.member;
            match f.presence {
                Presence::Optional => {
                    // Bound and used with one hygiene, located at the field's type so errors point there.
                    let mut value = local("value");
                    value.set_span(value.span().located_at(f.span));
                    let write = f.write(&w, quote!(#value));
                    quote! {
                        if let Some(#value) = &self.#member {
                            #write
                        }
                    }
                }
                _ => f.write(&w, quote_spanned!(f.span=> &self.#member)),
            }
        });
        let declarations = self.fields.iter().map(|f| {
            let local = &f.local;
            match &f.presence {
                Presence::Default {
                    initial: Some(initial),
                    ..
                } => quote!(let mut #local = #initial;),
                _ => quote!(let mut #local = None;),
            }
        });
        let arms = self.fields.iter().map(|f| {
            let local = &f.local;
            let read = f.read(&r);
            let assign = match &f.presence {
                Presence::Default {
                    initial: Some(_), ..
                } => quote!(#local = #read?),
                _ => quote!(#local = Some(#read?)),
            };
            let pattern = f.pattern(self.expansion);
            quote!(#pattern => #assign,)
        });
        let inits = self.fields.iter().map(|f| {
            let (member, local) = (&f.member, &f.local);
            let field_wire = &f.wire_name;
            let value = match &f.presence {
                Presence::Required => {
                    quote!(#local.ok_or_else(|| rt::missing(#wire_name, #field_wire))?)
                }
                Presence::Optional
                | Presence::Default {
                    initial: Some(_), ..
                } => quote!(#local),
                Presence::Default {
                    absent: Some(absent),
                    ..
                } => quote!(#local.unwrap_or_else(|| #absent)),
                Presence::Default { absent: None, .. } => quote!(#local.unwrap_or_default()),
            };
            // Shorthand only where the local and the field share a hygiene.
            if self.expansion == Expansion::Module && *member == value.to_string() {
                quote!(#member)
            } else {
                quote!(#member: #value)
            }
        });
        let decode_attrs = &self.decode_attrs;
        quote! {
            impl rt::ThriftStruct for #name {
                fn encode<#gw: rt::Writer>(&self, #w: &mut #gw) -> Result<(), rt::EncodeError> {
                    #w.write_struct_begin(#wire_name)?;
                    #(#writes)*
                    #w.write_field_stop()?;
                    #w.write_struct_end()
                }

                #decode_attrs
                fn decode<#gr: rt::Reader>(#r: &mut #gr) -> Result<Self, rt::DecodeError> {
                    #(#declarations)*
                    #r.read_struct_begin()?;
                    loop {
                        let #field = #r.read_field_begin()?;
                        match (#field.id, #field.ttype) {
                            (_, rt::TType::Stop) => break,
                            #(#arms)*
                            (_, #other) => #r.skip(#other)?,
                        }
                        #r.read_field_end()?;
                    }
                    #r.read_struct_end()?;
                    Ok(#name { #(#inits),* })
                }
            }
        }
    }

    fn union_codec(&self) -> TokenStream {
        let name = &self.name;
        let wire_name = &self.wire_name;
        let local = |name| self.expansion.local(name);
        let (w, r, field, other, value, found) = (
            local("w"),
            local("r"),
            local("field"),
            local("other"),
            local("value"),
            local("found"),
        );
        let (gw, gr) = self.expansion.generics();
        if self.fields.is_empty() {
            return quote! {
                impl rt::ThriftStruct for #name {
                    fn encode<#gw: rt::Writer>(&self, _: &mut #gw) -> Result<(), rt::EncodeError> {
                        match *self {}
                    }

                    fn decode<#gr: rt::Reader>(#r: &mut #gr) -> Result<Self, rt::DecodeError> {
                        #r.read_struct_begin()?;
                        loop {
                            let #field = #r.read_field_begin()?;
                            if #field.ttype == rt::TType::Stop {
                                break;
                            }
                            #r.skip(#field.ttype)?;
                            #r.read_field_end()?;
                        }
                        #r.read_struct_end()?;
                        Err(rt::invalid_union(#wire_name, 0))
                    }
                }
            };
        }
        let writes = self.fields.iter().map(|f| {
            let member = &f.member;
            let write = f.write(&w, quote!(#value));
            quote! {
                #name::#member(#value) => {
                    #write
                }
            }
        });
        let arms = self.fields.iter().map(|f| {
            let member = &f.member;
            let read = f.read(&r);
            let pattern = f.pattern(self.expansion);
            quote! {
                #pattern => {
                    #value = Some(#name::#member(#read?));
                    #found += 1;
                }
            }
        });
        let decode_attrs = &self.decode_attrs;
        quote! {
            impl rt::ThriftStruct for #name {
                fn encode<#gw: rt::Writer>(&self, #w: &mut #gw) -> Result<(), rt::EncodeError> {
                    #w.write_struct_begin(#wire_name)?;
                    match self {
                        #(#writes)*
                    }
                    #w.write_field_stop()?;
                    #w.write_struct_end()
                }

                #decode_attrs
                fn decode<#gr: rt::Reader>(#r: &mut #gr) -> Result<Self, rt::DecodeError> {
                    let mut #value = None;
                    let mut #found = 0;
                    #r.read_struct_begin()?;
                    loop {
                        let #field = #r.read_field_begin()?;
                        match (#field.id, #field.ttype) {
                            (_, rt::TType::Stop) => break,
                            #(#arms)*
                            (_, #other) => #r.skip(#other)?,
                        }
                        #r.read_field_end()?;
                    }
                    #r.read_struct_end()?;
                    match #value {
                        Some(#value) if #found == 1 => Ok(#value),
                        _ => Err(rt::invalid_union(#wire_name, #found)),
                    }
                }
            }
        }
    }
}

impl FieldModel {
    fn id_literal(&self) -> TokenStream {
        super::types::int_literal(i64::from(self.id))
    }

    /// Writes the field whose value `value` (a reference) holds, header to end, as statements.
    fn write(&self, w: &Ident, value: TokenStream) -> TokenStream {
        let field_wire = &self.wire_name;
        let id = self.id_literal();
        match (&self.spelled, &self.wire_type) {
            (Some(spelled), WireType::Known(ttype)) => {
                let write = &spelled.write;
                quote! {
                    #w.write_field_begin(#field_wire, #ttype, #id)?;
                    {
                        let value = #value;
                        #write
                    }?;
                    #w.write_field_end()?;
                }
            }
            _ => quote_spanned! {self.span=>
                rt::write_field(#w, #field_wire, #id, #value)?;
            },
        }
    }

    /// Reads the field's value, an expression of type `Result<T, DecodeError>`.
    fn read(&self, r: &Ident) -> TokenStream {
        match (&self.spelled, &self.wire_type) {
            (Some(spelled), _) => spelled.read.clone(),
            (None, WireType::OfType(ty)) => {
                quote_spanned!(self.span=> <#ty as rt::ThriftValue>::read(#r))
            }
            (None, WireType::Known(_)) => quote!(rt::read(#r)),
        }
    }

    /// The decoder's match arm pattern for this field: its id and wire type.
    fn pattern(&self, expansion: Expansion) -> TokenStream {
        let id = self.id_literal();
        match &self.wire_type {
            WireType::Known(ttype) => quote!((#id, #ttype)),
            WireType::OfType(ty) => {
                let ttype = expansion.local("ttype");
                quote_spanned!(self.span=> (#id, #ttype) if #ttype == <#ty as rt::ThriftValue>::TTYPE)
            }
        }
    }
}
