//! `#[derive(ThriftEnum)]`: implements the runtime's `ThriftEnum` (the value travels as an `i32`) for a
//! hand-written enum, so it works wherever a generated enum does: struct fields, union variants, container
//! elements and map keys.
//!
//! Two shapes are accepted:
//! - a field-less enum, `enum Color { Red = 1, Green = 2 }`. Each variant's value is `#[thrift(value = N)]`,
//!   else its discriminant, else one more than the variant before it (0 for the first), as both Rust and
//!   Thrift IDL count. Values must be distinct, so every variant survives a round trip. Decoding a value no
//!   variant names fails with `DecodeErrorKind::UnknownEnumValue`, unless one variant is
//!   `#[thrift(other)] Unknown(i32)`, which keeps it (and writes it back unchanged; `Unknown(1)` built by
//!   hand when a variant has value 1 is written as 1 and so reads back as that variant);
//! - an `i32` newtype, `struct Level(pub i32)`, which holds any value, as generated enums do.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{DeriveInput, Expr, Lit, Type, UnOp};

use idlc::codegen::rust::RustOptions;

const SHAPE: &str = "`ThriftEnum` goes on an enum of unit variants, such as `Red = 1` \
                     (plus at most one `#[thrift(other)] Unknown(i32)`), or on an `i32` newtype";

/// What `#[thrift(...)]` says about one variant.
#[derive(Default)]
struct VariantAttr {
    value: Option<(i32, Span)>,
    other: Option<Span>,
}

fn variant_attr(attrs: &[syn::Attribute]) -> syn::Result<VariantAttr> {
    let mut parsed = VariantAttr::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("thrift")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("value") {
                if parsed.value.is_some() {
                    return Err(meta.error("`value` is given twice"));
                }
                let expr: Expr = meta.value()?.parse()?;
                parsed.value = Some((int_value(&expr)?, expr.span()));
            } else if meta.path.is_ident("other") {
                if parsed.other.is_some() {
                    return Err(meta.error("`other` is given twice"));
                }
                parsed.other = Some(meta.path.span());
            } else {
                return Err(meta.error("unknown `thrift` key; expected `value` or `other`"));
            }
            Ok(())
        })?;
    }
    Ok(parsed)
}

/// The `i32` an integer literal (optionally negated) stands for.
fn int_value(expr: &Expr) -> syn::Result<i32> {
    let (negative, literal) = match expr {
        Expr::Lit(lit) => (false, &lit.lit),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(lit) => (true, &lit.lit),
            _ => return Err(not_a_literal(expr)),
        },
        Expr::Group(group) => return int_value(&group.expr),
        Expr::Paren(paren) => return int_value(&paren.expr),
        _ => return Err(not_a_literal(expr)),
    };
    let Lit::Int(int) = literal else {
        return Err(not_a_literal(expr));
    };
    let magnitude: i128 = int.base10_parse().map_err(|_| out_of_range(expr))?;
    let value = if negative { -magnitude } else { magnitude };
    i32::try_from(value).map_err(|_| out_of_range(expr))
}

fn not_a_literal(expr: &Expr) -> syn::Error {
    syn::Error::new(
        expr.span(),
        "a Thrift enum value is an integer literal, such as `1` or `-1`",
    )
}

fn out_of_range(expr: &Expr) -> syn::Error {
    syn::Error::new(
        expr.span(),
        "a Thrift enum value is an `i32`, from -2147483648 to 2147483647",
    )
}

fn is_i32(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("i32"))
}

/// Implements `ThriftEnum` for a field-less enum or an `i32` newtype.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "Thrift types cannot be generic",
        ));
    }
    if let Some(attr) = input.attrs.iter().find(|a| a.path().is_ident("thrift")) {
        return Err(syn::Error::new(
            attr.path().span(),
            "`ThriftEnum` takes `#[thrift(...)]` on variants only: `value = N` or `other`",
        ));
    }
    let name = &input.ident;
    let wire_name = name.to_string();
    let wire_name = wire_name.strip_prefix("r#").unwrap_or(&wire_name);
    let (to_body, from_body) = match &input.data {
        syn::Data::Enum(data) => enum_bodies(name, data)?,
        syn::Data::Struct(data) => match &data.fields {
            syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                if !is_i32(&fields.unnamed[0].ty) {
                    return Err(syn::Error::new(fields.unnamed[0].ty.span(), SHAPE));
                }
                (quote!(self.0), quote!(Some(#name(value))))
            }
            _ => return Err(syn::Error::new(name.span(), SHAPE)),
        },
        syn::Data::Union(_) => return Err(syn::Error::new(name.span(), SHAPE)),
    };
    let runtime: syn::Path = syn::parse_str(&RustOptions::default().runtime_crate)
        .expect("the default runtime path parses");
    Ok(quote! {
        const _: () = {
            use #runtime::__codegen as rt;

            impl rt::ThriftEnum for #name {
                const NAME: &'static str = #wire_name;

                fn to_i32(&self) -> i32 {
                    #to_body
                }

                fn from_i32(value: i32) -> Option<Self> {
                    #from_body
                }
            }

            impl rt::ThriftValue for #name {
                const TTYPE: rt::TType = rt::TType::I32;

                fn write<W: rt::Writer>(&self, w: &mut W) -> Result<(), rt::EncodeError> {
                    rt::write_enum(w, self)
                }

                fn read<R: rt::Reader>(r: &mut R) -> Result<Self, rt::DecodeError> {
                    rt::read_enum(r)
                }
            }
        };
    })
}

/// The bodies of `to_i32` and `from_i32` for a field-less enum (with perhaps one catch-all variant).
fn enum_bodies(name: &syn::Ident, data: &syn::DataEnum) -> syn::Result<(TokenStream, TokenStream)> {
    let mut errors: Option<syn::Error> = None;
    let mut push = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    let mut known: Vec<(&syn::Ident, i32)> = Vec::new();
    let mut by_value: BTreeMap<i32, &syn::Ident> = BTreeMap::new();
    let mut other: Option<&syn::Ident> = None;
    // The value the next implicitly numbered variant takes; `None` after an overflow or the catch-all.
    let mut next: Option<i32> = Some(0);
    let mut after_other = false;
    for variant in &data.variants {
        let attr = match variant_attr(&variant.attrs) {
            Ok(attr) => attr,
            Err(error) => {
                push(error);
                next = None;
                continue;
            }
        };
        if let Some(span) = attr.other {
            let holds_i32 = matches!(&variant.fields,
                syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 && is_i32(&fields.unnamed[0].ty));
            if !holds_i32 {
                push(syn::Error::new(
                    variant.ident.span(),
                    "the `other` variant holds the unknown value: `Unknown(i32)`",
                ));
            } else if let Some(first) = other {
                push(syn::Error::new(
                    span,
                    format!("`{first}` already keeps unknown values"),
                ));
            } else if let Some(span) = attr
                .value
                .map(|(_, span)| span)
                .or_else(|| variant.discriminant.as_ref().map(|(_, expr)| expr.span()))
            {
                push(syn::Error::new(
                    span,
                    "the `other` variant has no value of its own",
                ));
            } else {
                other = Some(&variant.ident);
            }
            after_other = true;
            next = None;
            continue;
        }
        if !matches!(variant.fields, syn::Fields::Unit) {
            push(syn::Error::new(variant.ident.span(), SHAPE));
            next = None;
            continue;
        }
        let discriminant = match &variant.discriminant {
            Some((_, expr)) => match int_value(expr) {
                Ok(value) => Some((value, expr.span())),
                Err(error) => {
                    push(error);
                    next = None;
                    continue;
                }
            },
            None => None,
        };
        let value = match (attr.value, discriminant) {
            (Some(_), Some((_, span))) => {
                push(syn::Error::new(
                    span,
                    "the value is given twice: keep the discriminant or `#[thrift(value = N)]`",
                ));
                next = None;
                continue;
            }
            (Some((value, _)), None) | (None, Some((value, _))) => value,
            (None, None) => match next {
                Some(value) => value,
                None => {
                    let why = if after_other {
                        "after the `other` variant, give each value: `= N` or `#[thrift(value = N)]`"
                    } else {
                        "this variant's value is past `i32::MAX`; give it one: `= N` or `#[thrift(value = N)]`"
                    };
                    push(syn::Error::new(variant.ident.span(), why));
                    continue;
                }
            },
        };
        next = value.checked_add(1);
        after_other = false;
        if let Some(first) = by_value.insert(value, &variant.ident) {
            push(syn::Error::new(
                variant.ident.span(),
                format!(
                    "value {value} is already used by `{first}`; each variant needs its own so it survives a round trip"
                ),
            ));
            by_value.insert(value, first);
            continue;
        }
        known.push((&variant.ident, value));
    }
    if let Some(errors) = errors {
        return Err(errors);
    }

    let to_arms = known
        .iter()
        .map(|(variant, value)| quote!(#name::#variant => #value,));
    let from_arms = known
        .iter()
        .map(|(variant, value)| quote!(#value => Some(#name::#variant),));
    let (to_other, from_other) = match other {
        Some(variant) => (
            quote!(#name::#variant(value) => *value,),
            quote!(other => Some(#name::#variant(other)),),
        ),
        None => (TokenStream::new(), quote!(_ => None,)),
    };
    let to_body = if data.variants.is_empty() {
        quote!(match *self {})
    } else {
        quote! {
            match self {
                #(#to_arms)*
                #to_other
            }
        }
    };
    let from_body = quote! {
        match value {
            #(#from_arms)*
            #from_other
        }
    };
    Ok((to_body, from_body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(input: DeriveInput) -> String {
        expand(&input)
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn values_count_on_from_the_variant_before_as_in_rust_and_idl() {
        let input: DeriveInput = syn::parse_quote! {
            enum Level { Low, Mid, High = 10, Top, #[thrift(value = -5)] Below, Next }
        };
        let text = expand(&input).unwrap().to_string();
        for (variant, value) in [
            ("Low", "0i32"),
            ("Mid", "1i32"),
            ("High", "10i32"),
            ("Top", "11i32"),
            ("Below", "- 5i32"),
            ("Next", "- 4i32"),
        ] {
            assert!(
                text.contains(&format!("Level :: {variant} => {value}")),
                "{variant}: {text}"
            );
            assert!(
                text.contains(&format!("{value} => Some (Level :: {variant})")),
                "{variant}: {text}"
            );
        }
        assert!(text.contains("_ => None"), "{text}");
    }

    #[test]
    fn the_other_variant_keeps_unknown_values() {
        let input: DeriveInput = syn::parse_quote! {
            enum Color { Red = 1, #[thrift(other)] Unknown(i32) }
        };
        let text = expand(&input).unwrap().to_string();
        assert!(
            text.contains("other => Some (Color :: Unknown (other))"),
            "{text}"
        );
        assert!(
            text.contains("Color :: Unknown (value) => * value"),
            "{text}"
        );
        assert!(!text.contains("_ => None"), "{text}");
    }

    #[test]
    fn an_implicit_value_after_the_other_variant_is_refused() {
        let message = error(syn::parse_quote! {
            enum Color { Red = 1, #[thrift(other)] Unknown(i32), Green }
        });
        assert!(message.contains("after the `other` variant"), "{message}");
    }

    #[test]
    fn the_other_variant_takes_no_value() {
        let message = error(syn::parse_quote! {
            #[repr(i32)]
            enum Color { Red = 1, #[thrift(other)] Unknown(i32) = 9 }
        });
        assert_eq!(message, "the `other` variant has no value of its own");
    }

    #[test]
    fn counting_past_i32_max_is_refused() {
        let message = error(syn::parse_quote! {
            enum Edge { Last = 2147483647, Beyond }
        });
        assert!(message.contains("past `i32::MAX`"), "{message}");
    }

    #[test]
    fn i32_newtypes_keep_every_value() {
        let input: DeriveInput = syn::parse_quote! { struct Level(pub i32); };
        let text = expand(&input).unwrap().to_string();
        assert!(text.contains("Some (Level (value))"), "{text}");
        assert!(text.contains("self . 0"), "{text}");
    }
}
