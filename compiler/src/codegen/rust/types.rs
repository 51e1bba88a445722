//! IDL types as Rust types, wire types, and constant values as Rust expressions.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::names::ident;
use super::{Context, StringType};
use crate::ir::{ConstValue, FileId, StructKind, Type, TypeKind};

/// Which collection a `set` or `map` becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    /// `BTreeSet`/`BTreeMap`: the default when the element (key) type is ordered.
    BTree,
    /// `HashSet`/`HashMap`, with the `hash_collections` option.
    Hash,
    /// `Vec<T>`/`Vec<(K, V)>` in wire order, when the element (key) type can be neither ordered nor hashed.
    Vec,
}

impl Context<'_> {
    /// The path to a definition named `name` in `file`, seen from `from`.
    pub(crate) fn path(&self, file: FileId, name: &str, from: FileId) -> TokenStream {
        let name = ident(name);
        if file == from {
            quote!(#name)
        } else {
            let module = ident(&self.modules[file.0 as usize]);
            quote!(super::#module::#name)
        }
    }

    pub(crate) fn collection(&self, element: &Type) -> Collection {
        if self.type_partial(element, &self.partial) {
            Collection::Vec
        } else if self.options.hash_collections {
            Collection::Hash
        } else {
            Collection::BTree
        }
    }

    /// The Rust type of `ty`, named from `from`.
    pub(crate) fn rust_type(&self, ty: &Type, from: FileId) -> TokenStream {
        match &ty.kind {
            TypeKind::Bool => quote!(bool),
            TypeKind::I8 => quote!(i8),
            TypeKind::I16 => quote!(i16),
            TypeKind::I32 => quote!(i32),
            TypeKind::I64 => quote!(i64),
            TypeKind::Double => quote!(f64),
            TypeKind::String => match self.options.string_type {
                StringType::String => quote!(String),
                StringType::FastStr => quote!(rt::FastStr),
            },
            TypeKind::Binary => quote!(rt::Bytes),
            TypeKind::Uuid => quote!(rt::Uuid),
            TypeKind::List { element, .. } => {
                let element = self.rust_type(element, from);
                quote!(Vec<#element>)
            }
            TypeKind::Set { element, .. } => {
                let kind = self.collection(element);
                let element = self.rust_type(element, from);
                match kind {
                    Collection::BTree => quote!(rt::BTreeSet<#element>),
                    Collection::Hash => quote!(rt::HashSet<#element>),
                    Collection::Vec => quote!(Vec<#element>),
                }
            }
            TypeKind::Map { key, value, .. } => {
                let kind = self.collection(key);
                let key = self.rust_type(key, from);
                let value = self.rust_type(value, from);
                match kind {
                    Collection::BTree => quote!(rt::BTreeMap<#key, #value>),
                    Collection::Hash => quote!(rt::HashMap<#key, #value>),
                    Collection::Vec => quote!(Vec<(#key, #value)>),
                }
            }
            TypeKind::Struct(id) => {
                let s = self.program.struct_(*id);
                self.path(s.file, &self.struct_names[id.index()], from)
            }
            TypeKind::Enum(id) => {
                let e = self.program.enum_(*id);
                self.path(e.file, &self.enum_names[id.index()], from)
            }
            TypeKind::Typedef(id) => {
                let t = self.program.typedef(*id);
                self.path(t.file, &self.typedef_names[id.index()], from)
            }
        }
    }

    /// The wire type of `ty`, as a `TType` path.
    pub(crate) fn ttype(&self, ty: &Type) -> TokenStream {
        let name = match &self.program.resolve(ty).kind {
            TypeKind::Bool => quote!(Bool),
            TypeKind::I8 => quote!(I8),
            TypeKind::I16 => quote!(I16),
            TypeKind::I32 | TypeKind::Enum(_) => quote!(I32),
            TypeKind::I64 => quote!(I64),
            TypeKind::Double => quote!(Double),
            TypeKind::String | TypeKind::Binary => quote!(Binary),
            TypeKind::Uuid => quote!(Uuid),
            TypeKind::List { .. } => quote!(List),
            TypeKind::Set { .. } => quote!(Set),
            TypeKind::Map { .. } => quote!(Map),
            TypeKind::Struct(_) | TypeKind::Typedef(_) => quote!(Struct),
        };
        quote!(rt::TType::#name)
    }

    /// True for types held by value that are cheap to copy (decoded straight into a local with a default).
    pub(crate) fn is_scalar(&self, ty: &Type) -> bool {
        matches!(
            self.program.resolve(ty).kind,
            TypeKind::Bool
                | TypeKind::I8
                | TypeKind::I16
                | TypeKind::I32
                | TypeKind::I64
                | TypeKind::Double
                | TypeKind::Enum(_)
        )
    }

    /// Whether values of `ty` are written and read through the runtime's `ThriftValue` trait: every type but
    /// those holding a set or map that is a `Vec` (its elements can be neither ordered nor hashed), whose
    /// Rust type does not say it is a set.
    pub(crate) fn via_trait(&self, ty: &Type) -> bool {
        match &self.program.resolve(ty).kind {
            TypeKind::List { element, .. } => self.via_trait(element),
            TypeKind::Set { element, .. } => {
                self.collection(element) != Collection::Vec && self.via_trait(element)
            }
            TypeKind::Map { key, value, .. } => {
                self.collection(key) != Collection::Vec
                    && self.via_trait(key)
                    && self.via_trait(value)
            }
            _ => true,
        }
    }

    /// An expression writing the value `expr` (a reference) of type `ty`, of type `Result<(), EncodeError>`.
    /// Only types that are not [`via_trait`](Self::via_trait) spell out their containers.
    pub(crate) fn write_expr(&self, ty: &Type, expr: TokenStream) -> TokenStream {
        if self.via_trait(ty) {
            return quote!(rt::ThriftValue::write(#expr, w));
        }
        match &self.program.resolve(ty).kind {
            TypeKind::List { element, .. } => {
                let elem = self.ttype(element);
                let write = self.write_expr(element, quote!(v));
                quote!(rt::write_list(w, #elem, #expr, |w, v| #write))
            }
            TypeKind::Set { element, .. } => {
                let elem = self.ttype(element);
                let write = self.write_expr(element, quote!(v));
                quote!(rt::write_set(w, #elem, #expr, |w, v| #write))
            }
            TypeKind::Map { key, value, .. } => {
                let key_type = self.ttype(key);
                let value_type = self.ttype(value);
                let write_key = self.write_expr(key, quote!(k));
                let write_value = self.write_expr(value, quote!(v));
                quote! {
                    rt::write_map(w, (#key_type, #value_type), #expr, |w, (k, v)| {
                        #write_key?;
                        #write_value
                    })
                }
            }
            _ => unreachable!("every other type goes through the trait"),
        }
    }

    /// An expression reading a value of `ty` from `r`, of type `Result<T, DecodeError>`; through the trait,
    /// `T` is what the value is assigned to.
    pub(crate) fn read_expr(&self, ty: &Type, from: FileId) -> TokenStream {
        if self.via_trait(ty) {
            return quote!(rt::read(r));
        }
        match &self.program.resolve(ty).kind {
            TypeKind::List { element, .. } => {
                let elem = self.ttype(element);
                let read = self.read_fn(element, from);
                quote!(rt::read_list(r, #elem, #read))
            }
            TypeKind::Set { element, .. } => {
                let elem = self.ttype(element);
                let read = self.read_fn(element, from);
                quote!(rt::read_set_vec(r, #elem, #read))
            }
            TypeKind::Map { key, value, .. } => {
                let key_type = self.ttype(key);
                let value_type = self.ttype(value);
                let read_key = self.read_fn(key, from);
                let read_value = self.read_fn(value, from);
                quote!(rt::read_map_vec(r, (#key_type, #value_type), #read_key, #read_value))
            }
            _ => unreachable!("every other type goes through the trait"),
        }
    }

    /// A function reading one element of `ty`, for the containers that spell out their elements.
    fn read_fn(&self, ty: &Type, from: FileId) -> TokenStream {
        if self.via_trait(ty) {
            let rust = self.rust_type(ty, from);
            quote!(<#rust as rt::ThriftValue>::read)
        } else {
            let read = self.read_expr(ty, from);
            quote!(|r| #read)
        }
    }

    /// An owned value of `ty` equal to the constant `value`.
    pub(crate) fn value_expr(&self, ty: &Type, value: &ConstValue, from: FileId) -> TokenStream {
        let resolved = self.program.resolve(ty);
        match (&resolved.kind, value) {
            (TypeKind::Bool, ConstValue::Bool(b)) => quote!(#b),
            (TypeKind::Bool, ConstValue::Int(i)) => {
                let b = *i != 0;
                quote!(#b)
            }
            (TypeKind::Double, ConstValue::Double(d)) => float_literal(*d),
            (TypeKind::Double, ConstValue::Int(i)) => float_literal(*i as f64),
            (TypeKind::I8 | TypeKind::I16 | TypeKind::I32 | TypeKind::I64, ConstValue::Int(i)) => {
                int_literal(*i)
            }
            (TypeKind::String, ConstValue::String(s)) => match self.options.string_type {
                StringType::String => quote!(#s.to_owned()),
                StringType::FastStr => quote!(rt::FastStr::from_static_str(#s)),
            },
            (TypeKind::Binary, ConstValue::String(s)) => {
                let bytes = Literal::byte_string(s.as_bytes());
                quote!(rt::Bytes::from_static(#bytes))
            }
            (TypeKind::Uuid, ConstValue::Uuid(text) | ConstValue::String(text)) => uuid_expr(text),
            (TypeKind::Enum(id), ConstValue::Enum { member, value, .. }) => {
                self.enum_value(*id, Some(member), *value, from)
            }
            (TypeKind::Enum(id), ConstValue::Int(value)) => {
                self.enum_value(*id, None, *value as i32, from)
            }
            (TypeKind::List { element, .. }, ConstValue::List(items)) => {
                let items = items
                    .iter()
                    .map(|item| self.value_expr(element, item, from))
                    .collect();
                list_expr(items)
            }
            (TypeKind::Set { element, .. }, ConstValue::List(items)) => {
                let kind = self.collection(element);
                let items: Vec<_> = items
                    .iter()
                    .map(|item| self.value_expr(element, item, from))
                    .collect();
                match kind {
                    Collection::Vec => list_expr(items),
                    Collection::BTree if items.is_empty() => quote!(rt::BTreeSet::new()),
                    Collection::Hash if items.is_empty() => quote!(rt::HashSet::new()),
                    Collection::BTree => quote!(rt::BTreeSet::from([#(#items),*])),
                    Collection::Hash => quote!(rt::HashSet::from([#(#items),*])),
                }
            }
            (TypeKind::Map { key, value, .. }, ConstValue::Map(entries)) => {
                let kind = self.collection(key);
                let entries: Vec<_> = entries
                    .iter()
                    .map(|(k, v)| {
                        let k = self.value_expr(key, k, from);
                        let v = self.value_expr(value, v, from);
                        quote!((#k, #v))
                    })
                    .collect();
                match kind {
                    Collection::Vec => list_expr(entries),
                    Collection::BTree if entries.is_empty() => quote!(rt::BTreeMap::new()),
                    Collection::Hash if entries.is_empty() => quote!(rt::HashMap::new()),
                    Collection::BTree => quote!(rt::BTreeMap::from([#(#entries),*])),
                    Collection::Hash => quote!(rt::HashMap::from([#(#entries),*])),
                }
            }
            (TypeKind::Struct(id), ConstValue::Struct { fields, .. }) => {
                self.struct_value(*id, fields, from)
            }
            // The checker shapes every value by its type; anything else is the type's default.
            _ => quote!(Default::default()),
        }
    }

    fn enum_value(
        &self,
        id: crate::ir::EnumId,
        member: Option<&str>,
        value: i32,
        from: FileId,
    ) -> TokenStream {
        let e = self.program.enum_(id);
        let path = self.path(e.file, &self.enum_names[id.index()], from);
        let names = self.enum_member_names(id);
        let found = match member {
            Some(member) => e
                .members
                .iter()
                .position(|m| m.name == member && m.value == value),
            None => e.members.iter().position(|m| m.value == value),
        };
        match found {
            Some(index) => {
                let name = ident(&names[index]);
                quote!(#path::#name)
            }
            None => {
                let value = int_literal(i64::from(value));
                quote!(#path(#value))
            }
        }
    }

    fn struct_value(
        &self,
        id: crate::ir::StructId,
        given: &[(i16, ConstValue)],
        from: FileId,
    ) -> TokenStream {
        let s = self.program.struct_(id);
        let path = self.rust_type(&Type::plain(TypeKind::Struct(id)), from);
        let field_names = self.field_names(&s.fields);
        if s.kind == StructKind::Union {
            if let Some((field_id, value)) = given.first() {
                if let Some(index) = s.fields.iter().position(|f| f.id == *field_id) {
                    let variant = ident(&self.variant_names(&s.fields)[index]);
                    let mut expr = self.value_expr(&s.fields[index].ty, value, from);
                    if self.needs_box(Some(id), &s.fields[index].ty, s.fields[index].reference) {
                        expr = quote!(Box::new(#expr));
                    }
                    return quote!(#path::#variant(#expr));
                }
            }
            return quote!(Default::default());
        }
        let mut inits = Vec::new();
        for (field_id, value) in given {
            let Some(index) = s.fields.iter().position(|f| f.id == *field_id) else {
                continue;
            };
            let field = &s.fields[index];
            let name = ident(&field_names[index]);
            let mut expr = self.value_expr(&field.ty, value, from);
            if self.needs_box(Some(id), &field.ty, field.reference) {
                expr = quote!(Box::new(#expr));
            }
            if field.requiredness == crate::ir::Requiredness::Optional {
                expr = quote!(Some(#expr));
            }
            inits.push(quote!(#name: #expr));
        }
        if inits.len() < s.fields.len() {
            quote!(#path { #(#inits,)* ..Default::default() })
        } else {
            quote!(#path { #(#inits),* })
        }
    }
}

/// A `Vec` holding `items`. Not `vec![...]`: prettyplease prints a macro's tokens as they come, so
/// `-300.0` would read `- 300.0` and struct literals would not be laid out.
fn list_expr(items: Vec<TokenStream>) -> TokenStream {
    if items.is_empty() {
        quote!(Vec::new())
    } else {
        quote!(Vec::from([#(#items),*]))
    }
}

/// An integer literal; negative values as a negation so every width parses.
pub(crate) fn int_literal(value: i64) -> TokenStream {
    if value == i64::MIN {
        quote!(i64::MIN)
    } else if value < 0 {
        let magnitude = Literal::i64_unsuffixed(-value);
        quote!(-#magnitude)
    } else {
        let literal = Literal::i64_unsuffixed(value);
        quote!(#literal)
    }
}

/// A float literal in its shortest exact form.
pub(crate) fn float_literal(value: f64) -> TokenStream {
    if value.is_nan() {
        return quote!(f64::NAN);
    }
    if value.is_infinite() {
        return if value > 0.0 {
            quote!(f64::INFINITY)
        } else {
            quote!(f64::NEG_INFINITY)
        };
    }
    let mut text = format!("{:?}", value.abs());
    if !text.contains(['.', 'e', 'E']) {
        text.push_str(".0");
    }
    let literal: Literal = text
        .parse()
        .unwrap_or_else(|_| Literal::f64_unsuffixed(value.abs()));
    if value.is_sign_negative() {
        quote!(-#literal)
    } else {
        quote!(#literal)
    }
}

fn uuid_expr(text: &str) -> TokenStream {
    let digits: Vec<u8> = text
        .chars()
        .filter_map(|c| c.to_digit(16))
        .map(|d| d as u8)
        .collect();
    let mut bytes = [0u8; 16];
    for (index, pair) in digits.chunks(2).take(16).enumerate() {
        bytes[index] = pair[0] << 4 | pair.get(1).copied().unwrap_or(0);
    }
    let bytes = bytes.iter().map(|b| Literal::u8_unsuffixed(*b));
    quote!(rt::Uuid::from_bytes([#(#bytes),*]))
}

#[cfg(test)]
mod tests {
    use super::{float_literal, int_literal, list_expr};
    use quote::quote;

    #[test]
    fn lists_of_negative_numbers_print_as_written() {
        let list = list_expr(vec![
            float_literal(-300.0),
            int_literal(-3),
            float_literal(2.5),
        ]);
        let file = syn::parse2(quote!(const X: () = #list;)).expect("a valid item");
        let code = prettyplease::unparse(&file);
        assert!(code.contains("Vec::from([-300.0, -3, 2.5])"), "{code}");
    }
}
