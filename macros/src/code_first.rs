//! `#[derive(ThriftStruct)]` and `#[derive(ThriftUnion)]` (code-first): the type's fields become a
//! [`StructModel`], which the backend's own emitter turns into the `ThriftStruct` impl, so a hand-written type
//! and its IDL twin share their codec by construction.
//!
//! Each field travels as its Rust type says through the runtime's `ThriftValue` trait: scalars, `String`,
//! `FastStr`, `Bytes` (binary), `Uuid`, `Vec` (list), `BTreeSet`/`HashSet` (set), `BTreeMap`/`HashMap` (map),
//! `Box` and `Arc`, and any type that implements `ThriftStruct` or `ThriftEnum` (generated or derived). An
//! unsupported type is an error at the field's type.
//!
//! Requiredness: `Option<T>` is optional; anything else is required, unless the field says `default` (the
//! IDL's default requiredness: always written, `Default::default()` when absent).

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{DeriveInput, GenericArgument, PathArguments, Type};

use idlc::codegen::rust::RustOptions;
use idlc::codegen::rust::codec::{Expansion, FieldModel, Presence, Shape, StructModel, WireType};

/// What `#[thrift(...)]` on a field or variant says.
struct FieldAttr {
    id: i16,
    /// The name on the wire, when it is not the Rust name.
    name: Option<String>,
    requiredness: Option<(Requiredness, Span)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Requiredness {
    Required,
    Optional,
    Default,
}

const KEYS: &str = "expected `id`, `name`, `required`, `optional` or `default`";

fn field_attr(attrs: &[syn::Attribute], member: &syn::Ident) -> syn::Result<FieldAttr> {
    let mut id = None;
    let mut name = None;
    let mut requiredness = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("thrift")) {
        attr.parse_nested_meta(|meta| {
            let mut set_requiredness = |value: Requiredness| {
                if requiredness.is_some() {
                    return Err(meta.error("requiredness is given twice"));
                }
                requiredness = Some((value, meta.path.span()));
                Ok(())
            };
            if meta.path.is_ident("id") {
                if id.is_some() {
                    return Err(meta.error("`id` is given twice"));
                }
                let literal: syn::LitInt = meta.value()?.parse()?;
                let value: i16 = literal
                    .base10_parse()
                    .ok()
                    .filter(|value| *value >= 1)
                    .ok_or_else(|| {
                        syn::Error::new(literal.span(), "a field id is an integer from 1 to 32767")
                    })?;
                id = Some(value);
            } else if meta.path.is_ident("name") {
                if name.is_some() {
                    return Err(meta.error("`name` is given twice"));
                }
                let literal: syn::LitStr = meta.value()?.parse()?;
                if literal.value().is_empty() {
                    return Err(syn::Error::new(literal.span(), "a wire name is not empty"));
                }
                name = Some(literal.value());
            } else if meta.path.is_ident("required") {
                set_requiredness(Requiredness::Required)?;
            } else if meta.path.is_ident("optional") {
                set_requiredness(Requiredness::Optional)?;
            } else if meta.path.is_ident("default") {
                set_requiredness(Requiredness::Default)?;
            } else if meta.path.is_ident("enum") {
                return Err(meta.error(
                    "`enum` is not needed: a field's type says how it travels (a `ThriftEnum` as an i32)",
                ));
            } else {
                return Err(meta.error(format!("unknown `thrift` key; {KEYS}")));
            }
            Ok(())
        })?;
    }
    let id = id.ok_or_else(|| {
        syn::Error::new(
            member.span(),
            "this field needs a Thrift field id: `#[thrift(id = 1)]`",
        )
    })?;
    Ok(FieldAttr {
        id,
        name,
        requiredness,
    })
}

/// The wire name a type-level `#[thrift(name = "...")]` gives, if any.
fn type_attr(input: &DeriveInput) -> syn::Result<Option<String>> {
    let mut name = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("thrift")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                let literal: syn::LitStr = meta.value()?.parse()?;
                name = Some(literal.value());
                Ok(())
            } else {
                Err(meta.error("unknown `thrift` key on a type; expected `name`"))
            }
        })?;
    }
    Ok(name)
}

/// `T` for `Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] if segment.ident == "Option" => Some(inner),
        _ => None,
    }
}

/// A Rust name as it reads on the wire: without the raw-identifier prefix.
fn wire_name(ident: &syn::Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").unwrap_or(&text).to_owned()
}

/// Implements `ThriftStruct` for a struct with `#[thrift(id = N)]` fields.
pub(crate) fn expand_struct(input: &DeriveInput) -> syn::Result<TokenStream> {
    let shape = "`ThriftStruct` goes on a struct with named fields";
    let syn::Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(input.ident.span(), shape));
    };
    let syn::Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(input.ident.span(), shape));
    };
    let members = fields
        .named
        .iter()
        .map(|f| Member {
            ident: f.ident.as_ref().expect("named fields have names"),
            attrs: &f.attrs,
            ty: &f.ty,
        })
        .collect();
    expand(input, members, Shape::Struct)
}

/// Implements `ThriftStruct` for an enum of one-field variants carrying `#[thrift(id = N)]`: a Thrift union.
pub(crate) fn expand_union(input: &DeriveInput) -> syn::Result<TokenStream> {
    let shape =
        "`ThriftUnion` goes on an enum whose variants each hold one value, such as `Circle(f64)`";
    let syn::Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(input.ident.span(), shape));
    };
    let mut members = Vec::new();
    for variant in &data.variants {
        match &variant.fields {
            syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => members.push(Member {
                ident: &variant.ident,
                attrs: &variant.attrs,
                ty: &fields.unnamed[0].ty,
            }),
            _ => return Err(syn::Error::new(variant.ident.span(), shape)),
        }
    }
    expand(input, members, Shape::Union)
}

/// A struct field or a union variant.
struct Member<'a> {
    ident: &'a syn::Ident,
    attrs: &'a [syn::Attribute],
    ty: &'a Type,
}

fn expand(input: &DeriveInput, members: Vec<Member<'_>>, shape: Shape) -> syn::Result<TokenStream> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "Thrift types cannot be generic",
        ));
    }
    let mut errors: Option<syn::Error> = None;
    let mut push = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    let wire = type_attr(input).unwrap_or_else(|error| {
        push(error);
        None
    });
    let mut seen: BTreeMap<i16, &syn::Ident> = BTreeMap::new();
    let mut fields = Vec::new();
    for member in &members {
        let ident = member.ident;
        let attr = match field_attr(member.attrs, ident) {
            Ok(attr) => attr,
            Err(error) => {
                push(error);
                continue;
            }
        };
        if let Some(first) = seen.insert(attr.id, ident) {
            push(syn::Error::new(
                ident.span(),
                format!("field id {} is already used by `{first}`", attr.id),
            ));
            continue;
        }
        let (presence, ty) = match shape {
            Shape::Union => {
                if let Some((_, span)) = attr.requiredness {
                    push(syn::Error::new(span, "union variants have no requiredness"));
                    continue;
                }
                (Presence::Required, member.ty)
            }
            Shape::Struct => match presence(attr.requiredness, member.ty) {
                Ok(found) => found,
                Err(error) => {
                    push(error);
                    continue;
                }
            },
        };
        // The decoder's local: numbered, so two members never share one and any member name reads as
        // snake case; a name no constant in the user's scope plausibly has (a binding cannot share a
        // constant's name); and mixed-site hygiene.
        let local = syn::Ident::new(&format!("__field_{}", fields.len()), Span::mixed_site());
        fields.push(FieldModel {
            member: ident.clone(),
            wire_name: attr.name.unwrap_or_else(|| wire_name(ident)),
            id: attr.id,
            presence,
            wire_type: WireType::OfType(quote!(#ty)),
            local,
            span: ty.span(),
            spelled: None,
        });
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    let model = StructModel {
        name: input.ident.clone(),
        wire_name: wire.unwrap_or_else(|| wire_name(&input.ident)),
        shape,
        fields,
        decode_attrs: TokenStream::new(),
        expansion: Expansion::Derive,
    };
    let codec = model.codec();
    let runtime: syn::Path = syn::parse_str(&RustOptions::default().runtime_crate)
        .expect("the default runtime path parses");
    Ok(quote! {
        const _: () = {
            use #runtime::__codegen as rt;

            #codec
        };
    })
}

/// What a struct field's requiredness and type make it: its presence and the type its value travels as.
fn presence(
    requiredness: Option<(Requiredness, Span)>,
    ty: &Type,
) -> syn::Result<(Presence, &Type)> {
    let default = Presence::Default {
        initial: None,
        absent: None,
    };
    match (requiredness, option_inner(ty)) {
        (None | Some((Requiredness::Optional, _)), Some(inner)) => Ok((Presence::Optional, inner)),
        (None | Some((Requiredness::Required, _)), None) => Ok((Presence::Required, ty)),
        (Some((Requiredness::Default, _)), None) => Ok((default, ty)),
        (Some((Requiredness::Optional, span)), None) => Err(syn::Error::new(
            span,
            "an `optional` field has type `Option<T>`",
        )),
        (Some((_, span)), Some(_)) => Err(syn::Error::new(
            span,
            "an `Option<T>` field is optional; drop the `Option` or the key",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_goes_through_the_trait_at_its_own_type() {
        let input: DeriveInput = syn::parse_quote! {
            struct Every {
                #[thrift(id = 1)] a: bool,
                #[thrift(id = 2)] b: Option<i8>,
                #[thrift(id = 3, default)] c: i64,
                #[thrift(id = 4)] d: Vec<BTreeMap<String, f64>>,
                #[thrift(id = 5)] e: Option<Op>,
                #[thrift(id = 6, name = "innerValue")] f: Inner,
                #[thrift(id = 7)] g: HashMap<String, BTreeSet<i32>>,
            }
        };
        let text = expand_struct(&input).unwrap().to_string();
        assert!(text.contains("impl rt :: ThriftStruct for Every"), "{text}");
        assert!(
            text.contains("< Op as rt :: ThriftValue > :: read"),
            "{text}"
        );
        assert!(
            text.contains(
                "< HashMap < String , BTreeSet < i32 > > as rt :: ThriftValue > :: TTYPE"
            ),
            "{text}"
        );
        assert!(text.contains("\"innerValue\""), "{text}");
        assert!(text.contains("unwrap_or_default"), "{text}");
    }

    #[test]
    fn misuse_is_refused_with_every_error_at_once() {
        let input: DeriveInput = syn::parse_quote! {
            struct Wrong {
                #[thrift(id = 1)] a: i32,
                #[thrift(id = 1)] b: i32,
                #[thrift(id = 2, enum)] c: Mood,
                #[thrift(id = 3, optional)] d: i32,
                e: i32,
            }
        };
        let errors: Vec<String> = expand_struct(&input)
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].contains("already used by `a`"), "{errors:?}");
        assert!(errors[1].contains("`enum` is not needed"), "{errors:?}");
        assert!(errors[2].contains("has type `Option<T>`"), "{errors:?}");
        assert!(errors[3].contains("needs a Thrift field id"), "{errors:?}");
    }
}
