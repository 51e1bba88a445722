//! Services: argument and result structs as Apache Thrift puts them on the wire, a typed enum of each
//! function's declared exceptions, the handler trait, the processor that serves it, and the client.

use proc_macro2::TokenStream;
use quote::quote;

use super::items::StructDef;
use super::names::{self, Scope, ident};
use super::{Context, doc_or, source_name};
use crate::ir::{
    Field, FileId, Function, Program, Requiredness, ServiceId, StructKind, Type, TypeKind,
};

/// Methods every client has; a function named so takes a numbered method name instead, in the handler trait
/// too, so that a function has one method name everywhere.
const CLIENT_METHODS: &[&str] = &["new", "channel", "connect"];

/// What the generated code calls one service's items, wherever they are named from.
#[derive(Debug, Default)]
pub(crate) struct ServiceNames {
    pub(crate) processor: String,
    pub(crate) client: String,
    /// Per function, in declaration order.
    pub(crate) functions: Vec<FunctionNames>,
}

/// What the generated code calls one function.
#[derive(Debug)]
pub(crate) struct FunctionNames {
    /// The method of the handler trait and of every client that has the function.
    pub(crate) method: String,
    pub(crate) args: String,
    /// Emitted unless the function is oneway.
    pub(crate) result: String,
    pub(crate) exception: Option<String>,
}

impl ServiceNames {
    /// Claims the names the backend invents for service `id` (whose handler trait is `trait_name`) in its
    /// module's type namespace `types`, after the names the IDL spells.
    pub(crate) fn invent(
        program: &Program,
        id: ServiceId,
        trait_name: &str,
        types: &mut Scope,
    ) -> ServiceNames {
        // `Self_` composes as `SelfPingArgs`: the escape is only needed on the bare name.
        let service = trait_name.trim_end_matches('_');
        let processor = types.claim_type(format!("{service}Processor"));
        let client = types.claim_type(format!("{service}Client"));
        let functions = program
            .service(id)
            .functions
            .iter()
            .zip(method_names(program, id))
            .map(|(f, method)| {
                let function = names::type_name(&f.name);
                let stem = format!("{service}{}", function.trim_end_matches('_'));
                let mut suffixes = vec!["Args"];
                if !f.oneway {
                    suffixes.push("Result");
                }
                if !f.throws.is_empty() {
                    suffixes.push("Exception");
                }
                // A function's wire structs and exception enum keep one stem: if any is taken, all take the
                // next number.
                let stem = names::camel_candidates(&stem)
                    .find(|stem| {
                        suffixes
                            .iter()
                            .all(|suffix| types.is_free(&format!("{stem}{suffix}")))
                    })
                    .expect("numbered candidates never run out");
                for suffix in &suffixes {
                    types.take(&format!("{stem}{suffix}"));
                }
                FunctionNames {
                    method,
                    args: format!("{stem}Args"),
                    result: format!("{stem}Result"),
                    exception: (!f.throws.is_empty()).then(|| format!("{stem}Exception")),
                }
            })
            .collect();
        ServiceNames {
            processor,
            client,
            functions,
        }
    }
}

/// The method names of the functions of `service`. A client has the methods of every ancestor too, so they
/// share one scope; ancestors claim theirs first, which gives a function the same method name in its own
/// trait and in every client.
fn method_names(program: &Program, service: ServiceId) -> Vec<String> {
    let mut scope = Scope::with_reserved(CLIENT_METHODS);
    let mut methods = Vec::new();
    for id in service_chain(program, service).into_iter().rev() {
        methods = program
            .service(id)
            .functions
            .iter()
            .map(|f| scope.claim(names::value_name(&f.name)))
            .collect();
    }
    methods
}

/// The service and its ancestors, nearest first.
fn service_chain(program: &Program, service: ServiceId) -> Vec<ServiceId> {
    let mut chain = vec![service];
    let mut current = service;
    while let Some(parent) = program.service(current).extends {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
        current = parent;
    }
    chain
}

impl Context<'_> {
    fn result_fields(f: &Function) -> Vec<Field> {
        let mut fields = Vec::new();
        if let Some(returns) = &f.returns {
            fields.push(Field {
                id: 0,
                implicit_id: false,
                name: "success".to_owned(),
                requiredness: Requiredness::Optional,
                ty: returns.clone(),
                default: None,
                reference: false,
                xsd_optional: false,
                xsd_nillable: false,
                xsd_attrs: Vec::new(),
                doc: None,
                annotations: Vec::new(),
                span: f.span,
            });
        }
        fields.extend(f.throws.iter().map(|t| Field {
            requiredness: Requiredness::Optional,
            default: None,
            doc: None,
            ..t.clone()
        }));
        fields
    }

    /// Arguments as they travel: `optional` has no effect on an argument (as in Apache Thrift, and the
    /// checker warns), so every argument is always written.
    fn args_fields(f: &Function) -> Vec<Field> {
        f.params
            .iter()
            .map(|p| Field {
                requiredness: match p.requiredness {
                    Requiredness::Optional => Requiredness::Default,
                    other => other,
                },
                ..p.clone()
            })
            .collect()
    }

    fn param_type(&self, field: &Field, from: FileId) -> TokenStream {
        let mut ty = self.rust_type(&field.ty, from);
        if field.reference && matches!(self.program.resolve(&field.ty).kind, TypeKind::Struct(_)) {
            ty = quote!(Box<#ty>);
        }
        ty
    }

    fn return_type(&self, returns: Option<&Type>, from: FileId) -> TokenStream {
        match returns {
            Some(ty) => self.rust_type(ty, from),
            None => quote!(()),
        }
    }

    /// The path to a function's exception type (or `rt::NoException`), from `from`.
    fn exception_path(&self, owner: ServiceId, names: &FunctionNames, from: FileId) -> TokenStream {
        match &names.exception {
            Some(name) => self.path(self.program.service(owner).file, name, from),
            None => quote!(rt::NoException),
        }
    }

    pub(crate) fn service_items(&self, id: ServiceId) -> TokenStream {
        let s = self.program.service(id);
        let file = s.file;
        let function_names = &self.services[id.index()].functions;
        let mut items = Vec::new();

        for (f, fnames) in s.functions.iter().zip(function_names) {
            let args_fields = Self::args_fields(f);
            let args_doc = format!(" The arguments of `{}.{}` on the wire.", s.name, f.name);
            items.push(self.struct_def(&StructDef {
                id: None,
                name: fnames.args.clone(),
                wire_name: format!("{}_args", f.name),
                kind: StructKind::Struct,
                fields: &args_fields,
                doc: quote!(#[doc = #args_doc]),
                file,
                hidden: true,
            }));
            if !f.oneway {
                let result_fields = Self::result_fields(f);
                let result_doc = format!(" The result of `{}.{}` on the wire.", s.name, f.name);
                items.push(self.struct_def(&StructDef {
                    id: None,
                    name: fnames.result.clone(),
                    wire_name: format!("{}_result", f.name),
                    kind: StructKind::Struct,
                    fields: &result_fields,
                    doc: quote!(#[doc = #result_doc]),
                    file,
                    hidden: true,
                }));
            }
            if let Some(exception) = &fnames.exception {
                items.push(self.exception_enum(f, exception, file, &s.name));
            }
        }
        items.push(self.handler_trait(id, function_names));
        items.push(self.processor(id));
        items.push(self.client(id));
        quote!(#(#items)*)
    }

    fn exception_enum(&self, f: &Function, name: &str, file: FileId, service: &str) -> TokenStream {
        let enum_name = ident(name);
        let variant_names = self.variant_names(&f.throws);
        let doc = format!(" The exceptions `{service}.{}` declares.", f.name);
        let partial = f
            .throws
            .iter()
            .any(|t| self.type_partial(&t.ty, &self.partial));
        let derives = if partial {
            quote!(#[derive(Clone, Debug, PartialEq)])
        } else {
            quote!(#[derive(Clone, Debug, PartialEq, Eq, Hash)])
        };
        let variants = f.throws.iter().zip(&variant_names).map(|(t, v)| {
            let v = ident(v);
            let ty = self.rust_type(&t.ty, file);
            let doc = doc_or(t.doc.as_deref(), || {
                format!(
                    "The `{}` exception `{service}.{}` declares.",
                    t.name, f.name
                )
            });
            quote!(#doc #v(#ty))
        });
        let display_arms = variant_names.iter().map(|v| {
            let v = ident(v);
            quote!(#enum_name::#v(exception) => rt::fmt::Display::fmt(exception, f),)
        });
        let mut seen: Vec<&Type> = Vec::new();
        let froms = f.throws.iter().zip(&variant_names).filter_map(|(t, v)| {
            if seen
                .iter()
                .any(|s| self.program.resolve(s) == self.program.resolve(&t.ty))
            {
                return None;
            }
            seen.push(&t.ty);
            let v = ident(v);
            let ty = self.rust_type(&t.ty, file);
            Some(quote! {
                impl From<#ty> for rt::ServiceError<#enum_name> {
                    fn from(exception: #ty) -> Self {
                        rt::ServiceError::Declared(#enum_name::#v(exception))
                    }
                }
            })
        });
        quote! {
            #[doc = #doc]
            #derives
            pub enum #enum_name {
                #(#variants,)*
            }

            impl rt::fmt::Display for #enum_name {
                fn fmt(&self, f: &mut rt::fmt::Formatter<'_>) -> rt::fmt::Result {
                    match self {
                        #(#display_arms)*
                    }
                }
            }

            impl rt::Error for #enum_name {}

            #(#froms)*
        }
    }

    fn handler_trait(&self, id: ServiceId, function_names: &[FunctionNames]) -> TokenStream {
        let s = self.program.service(id);
        let name = ident(&self.service_names[id.index()]);
        let short = source_name(&self.program.file(s.file).path);
        let doc = doc_or(s.doc.as_deref(), || {
            format!(
                "The `{}` service from `{short}`: implement it to serve the service.",
                s.name
            )
        });
        let parent = s.extends.map(|p| {
            let path = self.path(
                self.program.service(p).file,
                &self.service_names[p.index()],
                s.file,
            );
            quote!(#path)
        });
        // The parent trait already carries `Send + Sync + 'static`.
        let bounds = parent.unwrap_or_else(|| quote!(Send + Sync + 'static));
        let methods = s.functions.iter().zip(function_names).map(|(f, fnames)| {
            let doc = doc_or(f.doc.as_deref(), || format!("Serves `{}.{}`.", s.name, f.name));
            let method = ident(&fnames.method);
            let params = self.params(f, s.file);
            let ret = self.return_type(f.returns.as_ref(), s.file);
            let exception = self.exception_path(id, fnames, s.file);
            let allow = (f.params.len() >= 7)
                .then(|| quote!(#[allow(clippy::too_many_arguments, reason = "one argument per IDL argument")]));
            let conversion = conversion_allow(&fnames.method);
            quote! {
                #doc
                #allow
                #conversion
                fn #method(&self, #(#params),*) -> impl rt::Future<Output = Result<#ret, rt::ServiceError<#exception>>> + Send;
            }
        });
        quote! {
            #doc
            pub trait #name: #bounds {
                #(#methods)*
            }
        }
    }

    /// The parameters a method serving or calling `f` binds in the module of `from`.
    fn param_names(&self, f: &Function, from: FileId) -> Vec<String> {
        self.bindings(from, &self.field_names(&f.params), &[], "arg")
    }

    /// The parameters of a method serving or calling `f`, in the module of `from`.
    fn params(&self, f: &Function, from: FileId) -> Vec<TokenStream> {
        self.param_names(f, from)
            .iter()
            .zip(&f.params)
            .map(|(n, p)| {
                let n = ident(n);
                let ty = self.param_type(p, from);
                quote!(#n: #ty)
            })
            .collect()
    }

    /// Every function a client or processor of `id` serves, inherited ones included, each name once.
    fn all_functions(&self, id: ServiceId) -> Vec<(ServiceId, &Function, &FunctionNames)> {
        let mut all: Vec<(ServiceId, &Function, &FunctionNames)> = Vec::new();
        for service in service_chain(self.program, id) {
            let s = self.program.service(service);
            for (f, fnames) in s
                .functions
                .iter()
                .zip(&self.services[service.index()].functions)
            {
                if !all.iter().any(|(_, g, _)| g.name == f.name) {
                    all.push((service, f, fnames));
                }
            }
        }
        all
    }

    fn processor(&self, id: ServiceId) -> TokenStream {
        let s = self.program.service(id);
        let file = s.file;
        let trait_name = ident(&self.service_names[id.index()]);
        let name = ident(&self.services[id.index()].processor);
        let doc = format!(
            " Serves `{}`: decodes each request, calls the handler, encodes the reply.",
            s.name
        );
        // Own functions only: inherited ones go to the parent's processor, which knows them already.
        let functions: Vec<_> = s
            .functions
            .iter()
            .zip(&self.services[id.index()].functions)
            .collect();
        let empty = functions.is_empty();
        let arms = functions.into_iter().map(|(f, fnames)| {
            let owner = id;
            let owner_file = self.program.service(owner).file;
            let wire = &f.name;
            let trait_path = self.path(owner_file, &self.service_names[owner.index()], file);
            let method = ident(&fnames.method);
            let args_path = self.path(owner_file, &fnames.args, file);
            let arg_values = self.field_names(&f.params).into_iter().map(|n| {
                let n = ident(&n);
                quote!(args.#n)
            });
            let invoke = quote!(rt::guard(#trait_path::#method(handler, #(#arg_values),*)).await);
            let decode = if f.params.is_empty() {
                quote! {
                    if let Err(error) = call.args::<#args_path>() {
                        return call.protocol_error(&error);
                    }
                }
            } else {
                quote! {
                    let args: #args_path = match call.args() {
                        Ok(args) => args,
                        Err(error) => return call.protocol_error(&error),
                    };
                }
            };
            if f.oneway {
                let decode = if f.params.is_empty() {
                    quote!(call.args::<#args_path>().ok()?;)
                } else {
                    quote!(let args: #args_path = call.args().ok()?;)
                };
                return quote! {
                    #wire => {
                        #decode
                        let _ = #invoke;
                        None
                    }
                };
            }
            let result_path = self.path(owner_file, &fnames.result, file);
            let result_fields = Self::result_fields(f);
            let result_names = self.field_names(&result_fields);
            let build = |set: &str, value: TokenStream| {
                let inits = result_names.iter().map(|n| {
                    let field = ident(n);
                    if n == set {
                        quote!(#field: Some(#value))
                    } else {
                        quote!(#field: None)
                    }
                });
                quote!(#result_path { #(#inits),* })
            };
            let ok = if f.returns.is_some() {
                let value = build("success", quote!(success));
                quote!(Ok(success) => #value,)
            } else {
                let inits = result_names.iter().map(|field| {
                    let field = ident(field);
                    quote!(#field: None)
                });
                let value = empty_or_literal(&result_path, inits.collect());
                quote!(Ok(()) => #value,)
            };
            let errors = match &fnames.exception {
                Some(exception) => {
                    let exception_path = self.path(owner_file, exception, file);
                    let variants = self.variant_names(&f.throws);
                    let offset = usize::from(f.returns.is_some());
                    let declared = variants.iter().enumerate().map(|(index, v)| {
                        let v = ident(v);
                        let value = build(&result_names[index + offset], quote!(exception));
                        quote!(Err(rt::ServiceError::Declared(#exception_path::#v(exception))) => #value,)
                    });
                    quote! {
                        #(#declared)*
                        Err(rt::ServiceError::Application(exception)) => {
                            return call.exception(&exception);
                        }
                    }
                }
                None => quote! {
                    Err(error) => return call.exception(&error.into_application()),
                },
            };
            quote! {
                #wire => {
                    #decode
                    let result = match #invoke {
                        #ok
                        #errors
                    };
                    call.reply(&result)
                }
            }
        });
        let (handler_param, fallback) = match s.extends {
            Some(parent) => {
                let parent_service = self.program.service(parent);
                let parent_processor = &self.services[parent.index()].processor;
                let path = self.path(parent_service.file, parent_processor, file);
                (
                    quote!(handler),
                    quote!(#path::dispatch(handler, call).await),
                )
            }
            None if empty => (quote!(_handler), quote!(call.unknown_method())),
            None => (quote!(handler), quote!(call.unknown_method())),
        };
        let (call_param, serve) = if empty {
            (quote!(call), fallback)
        } else {
            (
                quote!(mut call),
                quote! {
                    match call.name() {
                        #(#arms)*
                        _ => #fallback,
                    }
                },
            )
        };
        quote! {
            #[doc = #doc]
            #[derive(Debug)]
            pub struct #name<H> {
                handler: rt::Arc<H>,
            }

            impl<H> Clone for #name<H> {
                fn clone(&self) -> Self {
                    #name { handler: rt::Arc::clone(&self.handler) }
                }
            }

            impl<H: #trait_name> #name<H> {
                /// A processor calling `handler`.
                pub fn new(handler: H) -> Self {
                    #name { handler: rt::Arc::new(handler) }
                }

                /// A processor calling a handler that is shared elsewhere too.
                pub fn from_arc(handler: rt::Arc<H>) -> Self {
                    #name { handler }
                }

                /// Serves `call` with `handler`: this service's functions here, inherited ones through the
                /// parent's processor.
                #[doc(hidden)]
                pub async fn dispatch<C: rt::Codec>(#handler_param: &H, #call_param: rt::IncomingCall<C>) -> Option<rt::BytesMut> {
                    #serve
                }

                async fn process_in<C: rt::Codec>(&self, request: rt::Bytes, limits: rt::Limits) -> Option<rt::BytesMut> {
                    let call = rt::IncomingCall::<C>::read(request, limits).ok()?;
                    Self::dispatch(&self.handler, call).await
                }
            }

            impl<H: #trait_name> rt::Processor for #name<H> {
                async fn process(&self, protocol: rt::Protocol, request: rt::Bytes, limits: rt::Limits) -> Option<rt::BytesMut> {
                    match protocol {
                        rt::Protocol::Binary => self.process_in::<rt::Binary>(request, limits).await,
                        rt::Protocol::Compact => self.process_in::<rt::Compact>(request, limits).await,
                        rt::Protocol::Json => self.process_in::<rt::Json>(request, limits).await,
                    }
                }
            }
        }
    }

    fn client(&self, id: ServiceId) -> TokenStream {
        let s = self.program.service(id);
        let file = s.file;
        let name = ident(&self.services[id.index()].client);
        let doc = format!(
            " A client of `{}`: one method per function, inherited ones included.",
            s.name
        );
        let methods = self.all_functions(id).into_iter().map(|(owner, f, fnames)| {
            let owner_file = self.program.service(owner).file;
            let wire = &f.name;
            let doc = doc_or(f.doc.as_deref(), || {
                let owner_name = &self.program.service(owner).name;
                format!("Calls `{owner_name}.{}`.", f.name)
            });
            let method = ident(&fnames.method);
            let params = self.params(f, file);
            let fields = self.field_names(&f.params);
            let bindings = self.param_names(f, file);
            let arg_inits = fields.iter().zip(&bindings).map(|(field, binding)| {
                let binding = ident(binding);
                let field = ident(field);
                if field == binding {
                    quote!(#field)
                } else {
                    quote!(#field: #binding)
                }
            });
            let args_path = self.path(owner_file, &fnames.args, file);
            let args = empty_or_literal(&args_path, arg_inits.collect());
            let allow = (f.params.len() >= 7)
                .then(|| quote!(#[allow(clippy::too_many_arguments, reason = "one argument per IDL argument")]));
            let conversion = conversion_allow(&fnames.method);
            let allow = quote!(#allow #conversion);
            if f.oneway {
                return quote! {
                    #doc
                    #allow
                    pub async fn #method(&self, #(#params),*) -> Result<(), rt::CallError<rt::NoException>> {
                        self.core.send_oneway(#wire, #args).await
                    }
                };
            }
            let ret = self.return_type(f.returns.as_ref(), file);
            let exception = self.exception_path(owner, fnames, file);
            let result_path = self.path(owner_file, &fnames.result, file);
            let result_fields = Self::result_fields(f);
            let result_names = self.field_names(&result_fields);
            let offset = usize::from(f.returns.is_some());
            let checks = self.variant_names(&f.throws).into_iter().enumerate().map(|(index, v)| {
                let v = ident(&v);
                let field = ident(&result_names[index + offset]);
                quote! {
                    if let Some(exception) = result.#field {
                        return Err(rt::CallError::Declared(#exception::#v(exception)));
                    }
                }
            });
            let call = quote!(self.core.call(#wire, #args).await?);
            let body = match (&f.returns, f.throws.is_empty()) {
                (None, true) => quote! {
                    let _: #result_path = #call;
                    Ok(())
                },
                (None, false) => quote! {
                    let result: #result_path = #call;
                    #(#checks)*
                    Ok(())
                },
                (Some(_), _) => quote! {
                    let result: #result_path = #call;
                    #(#checks)*
                    result.success.ok_or_else(|| rt::CallError::missing_result(#wire))
                },
            };
            quote! {
                #doc
                #allow
                pub async fn #method(&self, #(#params),*) -> Result<#ret, rt::CallError<#exception>> {
                    #body
                }
            }
        });
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone)]
            pub struct #name<C> {
                core: rt::ClientCore<C>,
            }

            impl<C: rt::Channel> #name<C> {
                /// A client sending its calls through `channel`.
                pub fn new(channel: C) -> Self {
                    #name { core: rt::ClientCore::new(channel) }
                }

                /// The channel calls go through.
                pub fn channel(&self) -> &C {
                    self.core.channel()
                }

                #(#methods)*
            }

            impl #name<rt::TcpChannel> {
                /// Connects to `addr` over framed binary, which every Apache Thrift server accepts; for another
                /// transport or protocol, timeouts or headers, pass `TcpChannel::builder(addr)...connect()` to `new`.
                pub async fn connect(addr: impl rt::ToSocketAddrs) -> Result<Self, rt::TransportError> {
                    Ok(#name::new(rt::TcpChannel::connect(addr).await?))
                }
            }
        }
    }
}

/// `#[allow(clippy::wrong_self_convention)]` for a method whose IDL name clippy reads as a conversion taking
/// `self` another way (`from_*` takes none, `into_*` takes it by value, `to_*_mut` by `&mut`).
fn conversion_allow(method: &str) -> Option<TokenStream> {
    let conversion = method.starts_with("from_")
        || method.starts_with("into_")
        || method.starts_with("to_") && method.ends_with("_mut");
    conversion.then(
        || quote!(#[allow(clippy::wrong_self_convention, reason = "the IDL names the function")]),
    )
}

/// `path { inits }`, or `path::default()` when there are no fields and the path names another module:
/// prettyplease splits an empty struct literal with a long path over two lines.
fn empty_or_literal(path: &TokenStream, inits: Vec<TokenStream>) -> TokenStream {
    if inits.is_empty() && path.to_string().contains("::") {
        quote!(#path::default())
    } else {
        quote!(#path { #(#inits),* })
    }
}
