//! `#[derive(RpcService)]`: reads the `#[rpc(...)]` attribute, checks and generates through
//! [`idlc::codegen::rust::generate_files`], and wraps the generated files in a module named after the marker.

use std::path::{Path, PathBuf};

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{DeriveInput, LitStr};

use idlc::codegen::rust::{self, RustOptions};
use idlc::{CheckOptions, Checked};

/// The parsed `#[rpc(...)]` attribute.
struct RpcAttr {
    idl: LitStr,
    service: LitStr,
    includes: Vec<LitStr>,
    runtime_crate: Option<LitStr>,
}

/// The directory relative paths are read from: the crate being compiled.
pub(crate) fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn parse_attr(input: &DeriveInput) -> syn::Result<RpcAttr> {
    let mut idl = None;
    let mut service = None;
    let mut includes = Vec::new();
    let mut runtime_crate = None;
    let mut found = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("rpc")) {
        found = true;
        attr.parse_nested_meta(|meta| {
            let slot = if meta.path.is_ident("idl") {
                &mut idl
            } else if meta.path.is_ident("service") {
                &mut service
            } else if meta.path.is_ident("include") {
                includes.push(meta.value()?.parse()?);
                return Ok(());
            } else if meta.path.is_ident("crate") {
                &mut runtime_crate
            } else {
                return Err(meta
                    .error("unknown `rpc` key; expected `idl`, `service`, `include` or `crate`"));
            };
            if slot.is_some() {
                return Err(meta.error("this key is given twice"));
            }
            *slot = Some(meta.value()?.parse::<LitStr>()?);
            Ok(())
        })?;
    }
    if !found {
        return Err(syn::Error::new(
            input.ident.span(),
            "`RpcService` needs `#[rpc(idl = \"path/to/file.thrift\", service = \"Name\")]`",
        ));
    }
    let missing = |key: &str| {
        syn::Error::new(
            input.ident.span(),
            format!("`#[rpc(...)]` needs `{key} = \"...\"`"),
        )
    };
    Ok(RpcAttr {
        idl: idl.ok_or_else(|| missing("idl"))?,
        service: service.ok_or_else(|| missing("service"))?,
        includes,
        runtime_crate,
    })
}

/// Expands the derive, reading files relative to `base`.
pub(crate) fn expand(input: &DeriveInput, base: &Path) -> syn::Result<TokenStream> {
    if !matches!(input.data, syn::Data::Struct(_)) || !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.ident.span(),
            "`RpcService` goes on a plain marker struct, such as `pub struct Calculator;`",
        ));
    }
    let attr = parse_attr(input)?;
    let root = base.join(attr.idl.value());
    let check = CheckOptions {
        include_dirs: attr.includes.iter().map(|d| base.join(d.value())).collect(),
    };
    let mut options = RustOptions::default();
    if let Some(path) = &attr.runtime_crate {
        syn::parse_str::<syn::Path>(&path.value()).map_err(|_| {
            syn::Error::new(path.span(), "expected a path such as `::my_crate::rt`")
        })?;
        options.runtime_crate = path.value();
    }
    let (files, checked) = match rust::generate_files(std::slice::from_ref(&root), &check, &options)
    {
        Ok(generated) => generated,
        Err(checked) => {
            let errors = diagnostics_error(&checked, &attr.idl, base).into_compile_error();
            let reads = tracked_files(&checked);
            return Ok(quote! { #reads #errors });
        }
    };
    let program = checked
        .program
        .as_ref()
        .expect("generate_files returns a program with its files");
    let root_file = program.roots.first().copied();
    let service_name = attr.service.value();
    let has_service = program
        .services
        .iter()
        .any(|s| Some(s.file) == root_file && s.name == service_name);
    if !has_service {
        let known: Vec<&str> = program
            .services
            .iter()
            .filter(|s| Some(s.file) == root_file)
            .map(|s| s.name.as_str())
            .collect();
        let listing = if known.is_empty() {
            "it defines no service".to_owned()
        } else {
            format!("it defines {}", known.join(", "))
        };
        return Err(syn::Error::new(
            attr.service.span(),
            format!(
                "no service `{service_name}` in `{}`; {listing}",
                attr.idl.value()
            ),
        ));
    }

    let reads = tracked_files(&checked);
    let marker = &input.ident;
    let vis = &input.vis;
    let module = module_ident(&input.ident)?;
    let root_module = root_file.map(|id| format_ident!("{}", files[id.0 as usize].module));
    let modules = files.iter().map(|file| {
        let name = format_ident!("{}", file.module);
        let tokens = &file.tokens;
        let doc = format!(" Generated from `{}`.", display_path(&file.source, base));
        quote! {
            #[doc = #doc]
            pub mod #name {
                #tokens
            }
        }
    });
    let idl = attr.idl.value();
    let doc = format!(" The code idlc generates from `{idl}` for the `{service_name}` service.");
    Ok(quote! {
        #[doc = #doc]
        #vis mod #module {
            #reads
            #(#modules)*
            pub use self::#root_module::*;
        }

        impl #marker {
            /// The IDL file the service's code was generated from, relative to the crate.
            pub const IDL: &'static str = #idl;
            /// The service's name in the IDL.
            pub const SERVICE: &'static str = #service_name;
        }
    })
}

/// The module named after the marker: `CalculatorService` → `calculator_service` (`r#type` for a keyword).
fn module_ident(marker: &syn::Ident) -> syn::Result<syn::Ident> {
    let name = marker.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name).to_snake_case();
    syn::parse_str::<syn::Ident>(&name)
        .or_else(|_| syn::parse_str::<syn::Ident>(&format!("r#{name}")))
        .map(|ident| {
            let text = ident.to_string();
            match text.strip_prefix("r#") {
                Some(raw) => syn::Ident::new_raw(raw, marker.span()),
                None => syn::Ident::new(&text, marker.span()),
            }
        })
        .map_err(|_| {
            syn::Error::new(
                marker.span(),
                format!("the generated code goes in a module named `{name}`, which Rust reserves; rename the marker"),
            )
        })
}

/// `const _: &[u8] = include_bytes!(...)` for every file the front end read, so editing any of them
/// rebuilds the crate.
fn tracked_files(checked: &Checked) -> TokenStream {
    let paths = (0..checked.sources.len()).filter_map(|index| {
        let name = checked
            .sources
            .name(idlc::syntax::ast::FileId(index as u32));
        let path = Path::new(name);
        // Only real files: in-memory names and vanished files would fail the include itself.
        path.is_file().then(|| {
            let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            absolute.to_string_lossy().into_owned()
        })
    });
    quote! { #(const _: &[u8] = include_bytes!(#paths);)* }
}

/// The path as the user wrote it: relative to the crate when it lies inside it.
fn display_path(path: &str, base: &Path) -> String {
    Path::new(path)
        .strip_prefix(base)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_owned())
}

/// One error per diagnostic, all pointing at the `idl = "..."` literal, each saying where in the IDL.
fn diagnostics_error(checked: &Checked, idl: &LitStr, base: &Path) -> syn::Error {
    let mut errors = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|diagnostic| {
            let location = diagnostic.primary.as_ref().map(|label| {
                let (line, col) = checked.sources.line_col(label.span.file, label.span.start);
                let file = display_path(checked.sources.name(label.span.file), base);
                (format!("{file}:{line}:{col}: "), label.message.clone())
            });
            let mut message = match &location {
                Some((at, _)) => format!("{at}{}", diagnostic.message),
                None => diagnostic.message.clone(),
            };
            if let Some((_, label)) = location.filter(|(_, label)| !label.is_empty()) {
                message.push_str(&format!(" ({label})"));
            }
            for note in &diagnostic.notes {
                message.push_str(&format!("\n= note: {note}"));
            }
            syn::Error::new(idl.span(), display_path_in(&message, base))
        });
    let mut combined = errors
        .next()
        .unwrap_or_else(|| syn::Error::new(idl.span(), "the IDL could not be checked"));
    for error in errors {
        combined.combine(error);
    }
    combined
}

/// Shortens absolute paths under the crate inside a message (the front end names files as it read them).
fn display_path_in(message: &str, base: &Path) -> String {
    let mut prefix = base.to_string_lossy().into_owned();
    if prefix.is_empty() {
        return message.to_owned();
    }
    if !prefix.ends_with('/') {
        prefix.push('/');
    }
    message.replace(&prefix, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tests_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn module_items(expanded: TokenStream) -> Vec<syn::ItemMod> {
        let file: syn::File = syn::parse2(expanded).expect("the expansion parses as items");
        let Some(syn::Item::Mod(outer)) = file.items.into_iter().next() else {
            panic!("the expansion starts with the module");
        };
        outer
            .content
            .expect("an inline module")
            .1
            .into_iter()
            .filter_map(|item| match item {
                syn::Item::Mod(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    /// The derive and `idlc gen` go through the same library call, so each file's module holds
    /// exactly the tokens the CLI formats and writes.
    #[test]
    fn expansion_holds_the_same_tokens_as_idlc_gen() {
        let input: DeriveInput = syn::parse_quote! {
            #[rpc(idl = "tests/idl/calculator.thrift", service = "Calculator", include = "tests/idl/shared")]
            pub struct Calculator;
        };
        let expanded = expand(&input, &tests_dir()).unwrap();
        let modules = module_items(expanded);
        let (files, _) = rust::generate_files(
            &[tests_dir().join("tests/idl/calculator.thrift")],
            &CheckOptions {
                include_dirs: vec![tests_dir().join("tests/idl/shared")],
            },
            &RustOptions::default(),
        )
        .unwrap();
        assert_eq!(modules.len(), files.len());
        assert_eq!(files.len(), 2, "the root and its include");
        for (module, file) in modules.iter().zip(&files) {
            assert_eq!(module.ident, file.module);
            let inner: TokenStream = module
                .content
                .as_ref()
                .unwrap()
                .1
                .iter()
                .map(quote::ToTokens::to_token_stream)
                .collect();
            let expected: syn::File = syn::parse2(file.tokens.clone()).unwrap();
            let expected: TokenStream = expected
                .items
                .iter()
                .map(quote::ToTokens::to_token_stream)
                .collect();
            assert_eq!(inner.to_string(), expected.to_string(), "{}", file.module);
            assert!(file.code.contains("pub trait Calculator") || file.module != "calculator");
        }
    }

    #[test]
    fn every_file_read_is_tracked() {
        let input: DeriveInput = syn::parse_quote! {
            #[rpc(idl = "tests/idl/calculator.thrift", service = "Calculator", include = "tests/idl/shared")]
            pub struct Calculator;
        };
        let text = expand(&input, &tests_dir()).unwrap().to_string();
        assert_eq!(text.matches("include_bytes").count(), 2, "{text}");
        assert!(text.contains("calculator.thrift\""));
        assert!(text.contains("shared.thrift\""));
    }

    #[test]
    fn idl_errors_carry_file_line_and_column() {
        let input: DeriveInput = syn::parse_quote! {
            #[rpc(idl = "tests/idl/broken.thrift", service = "Broken")]
            pub struct Broken;
        };
        let text = expand(&input, &tests_dir()).unwrap().to_string();
        assert!(text.contains("compile_error"), "{text}");
        assert!(
            text.contains("tests/idl/broken.thrift:5:3: field id 1 is used more than once"),
            "{text}"
        );
        assert!(
            text.contains("include_bytes"),
            "a broken file still triggers rebuilds: {text}"
        );
    }

    #[test]
    fn an_unknown_service_is_named_with_the_ones_there_are() {
        let input: DeriveInput = syn::parse_quote! {
            #[rpc(idl = "tests/idl/calculator.thrift", service = "Calculater", include = "tests/idl/shared")]
            pub struct Calculator;
        };
        let error = expand(&input, &tests_dir()).unwrap_err().to_string();
        assert_eq!(
            error,
            "no service `Calculater` in `tests/idl/calculator.thrift`; it defines Calculator, Other"
        );
    }

    #[test]
    fn the_runtime_path_can_be_renamed() {
        let input: DeriveInput = syn::parse_quote! {
            #[rpc(idl = "tests/idl/calculator.thrift", service = "Calculator", include = "tests/idl/shared", crate = "::my_rt")]
            pub struct Calculator;
        };
        let text = expand(&input, &tests_dir()).unwrap().to_string();
        assert!(text.contains("use :: my_rt :: __codegen as rt"), "{text}");
        assert!(!text.contains("idlc_runtime"), "{text}");
    }

    #[test]
    fn the_module_is_the_marker_in_snake_case() {
        let ident =
            |name: &str| module_ident(&syn::Ident::new(name, proc_macro2::Span::call_site()));
        assert_eq!(ident("CalculatorService").unwrap(), "calculator_service");
        assert_eq!(ident("Type").unwrap().to_string(), "r#type");
        assert!(ident("Crate").is_err());
    }
}
