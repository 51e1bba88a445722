//! Every Rust name the backend emits goes through here: case conversion with heck, then one escaping
//! function for keywords and names generated code already uses, then deduplication within a scope.

use std::collections::HashSet;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Strict and reserved keywords of Rust 2024 that may be written as raw identifiers.
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers; they get a trailing `_`.
const UNRAWABLE: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Type names generated code refers to unqualified (the prelude, and the generic parameters of generated
/// functions and types); a definition with one of these names would shadow it, so it gets a trailing `_`.
const PRELUDE_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Eq",
    "Hash",
    "PartialOrd",
    "Ord",
    "Send",
    "Sync",
    "Sized",
    "From",
    "Into",
    "Iterator",
    "ToOwned",
    "ToString",
    "Fn",
    "FnMut",
    "FnOnce",
    "Drop",
    "W",
    "R",
    "C",
    "H",
];

/// `name` as a Rust identifier token: raw for keywords. `name` must already be escaped by one of the
/// functions below.
pub(crate) fn ident(name: &str) -> Ident {
    if RAW_KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

fn escape(mut name: String) -> String {
    if name.is_empty() {
        name.push('_');
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if UNRAWABLE.contains(&name.as_str()) || PRELUDE_TYPES.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// A type, trait or variant name: `UpperCamelCase`.
pub(crate) fn type_name(idl: &str) -> String {
    escape(idl.to_upper_camel_case())
}

/// A field, function, argument or module name: `snake_case`.
pub(crate) fn value_name(idl: &str) -> String {
    escape(idl.to_snake_case())
}

/// A constant or enum member: `SCREAMING_SNAKE_CASE`.
pub(crate) fn const_name(idl: &str) -> String {
    escape(idl.to_shouty_snake_case())
}

/// Names already taken in one Rust scope. A name that is taken gets the first free numbered suffix, so the
/// result depends only on the order of the claims: every caller claims the names the IDL spells first, in
/// declaration order, and then the names the backend invents from them.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// A scope in which `reserved` are already taken: names the generated code always emits there.
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    /// A `snake_case` or `SCREAMING_SNAKE_CASE` `name`, or `name_2`, `name_3`, ... if it is taken.
    pub(crate) fn claim(&mut self, name: String) -> String {
        let claimed = snake_candidates(&name)
            .find(|candidate| self.is_free(candidate))
            .expect("numbered candidates never run out");
        self.take(&claimed);
        claimed
    }

    /// An `UpperCamelCase` `name`, or `Name2`, `Name3`, ... if it is taken (see [`camel_candidates`]).
    pub(crate) fn claim_type(&mut self, name: String) -> String {
        let claimed = camel_candidates(&name)
            .find(|candidate| self.is_free(candidate))
            .expect("numbered candidates never run out");
        self.take(&claimed);
        claimed
    }

    pub(crate) fn is_free(&self, name: &str) -> bool {
        !self.taken.contains(name)
    }

    pub(crate) fn take(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }
}

/// `name`, then `name_2`, `name_3`, ... (`self_2` after an escaped `self_`).
fn snake_candidates(name: &str) -> impl Iterator<Item = String> + '_ {
    let separator = if name.ends_with('_') { "" } else { "_" };
    std::iter::once(name.to_owned()).chain((2..).map(move |n| format!("{name}{separator}{n}")))
}

/// `Name`, then `Name2`, `Name3`, ...: an underscore next to a letter would trip `non_camel_case_types`, so a
/// trailing escape underscore goes (`Self_` → `Self2`), and the number follows an underscore only after a
/// digit (`Get2` → `Get2_2`) or in a name without letters (`_1` → `_1_2`).
pub(crate) fn camel_candidates(name: &str) -> impl Iterator<Item = String> + '_ {
    let base = name.trim_end_matches('_');
    let separator = if base.ends_with(|c: char| c.is_ascii_alphabetic()) {
        ""
    } else {
        "_"
    };
    std::iter::once(name.to_owned()).chain((2..).map(move |n| format!("{base}{separator}{n}")))
}

/// The names of one module: types and traits in one namespace; constants, statics, functions and the
/// constructors of tuple structs in the other.
#[derive(Debug, Default)]
pub(crate) struct ModuleScope {
    pub(crate) types: Scope,
    pub(crate) values: Scope,
}

impl ModuleScope {
    /// A tuple struct's name, which is a type and a constructor: free in both namespaces.
    pub(crate) fn claim_tuple_struct(&mut self, name: String) -> String {
        let claimed = camel_candidates(&name)
            .find(|candidate| self.types.is_free(candidate) && self.values.is_free(candidate))
            .expect("numbered candidates never run out");
        self.types.take(&claimed);
        self.values.take(&claimed);
        claimed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(value_name("type"), "type");
        assert_eq!(ident(&value_name("type")).to_string(), "r#type");
        assert_eq!(ident(&value_name("fn")).to_string(), "r#fn");
        assert_eq!(ident(&value_name("async")).to_string(), "r#async");
        assert_eq!(ident(&value_name("gen")).to_string(), "r#gen");
        assert_eq!(ident(&value_name("name")).to_string(), "name");
    }

    #[test]
    fn names_that_cannot_be_raw_get_an_underscore() {
        assert_eq!(value_name("self"), "self_");
        assert_eq!(value_name("super"), "super_");
        assert_eq!(value_name("crate"), "crate_");
        assert_eq!(value_name("Self"), "self_");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(value_name("_"), "__");
    }

    #[test]
    fn prelude_names_are_not_shadowed() {
        assert_eq!(type_name("Result"), "Result_");
        assert_eq!(type_name("option"), "Option_");
        assert_eq!(type_name("Point"), "Point");
        assert_eq!(type_name("r"), "R_", "generic parameters of generated code");
    }

    #[test]
    fn case_conversion() {
        assert_eq!(value_name("whatOp"), "what_op");
        assert_eq!(value_name("HEX_MASK"), "hex_mask");
        assert_eq!(type_name("tree_node"), "TreeNode");
        assert_eq!(type_name("type"), "Type");
        assert_eq!(const_name("maxPage"), "MAX_PAGE");
        assert_eq!(const_name("ADD"), "ADD");
    }

    #[test]
    fn collisions_get_numbered_suffixes_in_order() {
        let mut scope = Scope::default();
        assert_eq!(scope.claim(value_name("fooBar")), "foo_bar");
        assert_eq!(scope.claim(value_name("foo_bar")), "foo_bar_2");
        assert_eq!(scope.claim(value_name("FooBar")), "foo_bar_3");
        let mut reserved = Scope::with_reserved(&["VALUES"]);
        assert_eq!(reserved.claim(const_name("values")), "VALUES_2");
        let mut underscored = Scope::default();
        assert_eq!(underscored.claim("self_".into()), "self_");
        assert_eq!(underscored.claim("self_".into()), "self_2");
    }

    #[test]
    fn type_names_are_numbered_without_an_underscore_after_a_letter() {
        let mut scope = Scope::default();
        assert_eq!(scope.claim_type(type_name("foo_bar")), "FooBar");
        assert_eq!(scope.claim_type(type_name("FooBar")), "FooBar2");
        assert_eq!(scope.claim_type(type_name("foo_bar_2")), "FooBar2_2");
        assert_eq!(scope.claim_type(type_name("self")), "Self_");
        assert_eq!(scope.claim_type(type_name("Self")), "Self2");
        assert_eq!(scope.claim_type(type_name("get2")), "Get2");
        assert_eq!(scope.claim_type(type_name("get_2")), "Get2_2");
        assert_eq!(scope.claim_type(type_name("_1")), "_1");
        assert_eq!(scope.claim_type(type_name("_1_")), "_1_2");
    }

    #[test]
    fn tuple_structs_need_both_namespaces() {
        let mut module = ModuleScope::default();
        assert_eq!(module.values.claim(const_name("X")), "X");
        assert_eq!(module.claim_tuple_struct(type_name("x")), "X2");
        assert_eq!(
            module.types.claim_type(type_name("X")),
            "X",
            "a braced struct is no value"
        );
    }
}
