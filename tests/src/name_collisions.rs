//! IDL in which two names meet in one scope of the generated Rust: a name the backend invents (`AccountClient`,
//! `StoreGetValueArgs`, the client's `connect`, a local of a decode function, ...) and a name the IDL spells,
//! or two IDL names that convert to one Rust name.
//!
//! [`cases`] builds them from one table per scope of the generated code. A table lists the *sides* that can put
//! a name into its scope (an IDL definition, function, argument, field or member, or a name the backend
//! emits) and the *targets*, Rust names to make two sides land on. A case is one pair of sides that can both
//! make one target: every pair with an invented side (in both declaration orders when the other side comes from
//! the IDL), and pairs of IDL sides for the targets that ask for them. A name the backend starts inventing is one
//! more side in its scope's table, plus a target it makes if no target fits yet.
//!
//! `build.rs` generates every case into `OUT_DIR/name_collisions/`, and `tests/codegen_name_collisions.rs`
//! compiles the result under `deny(warnings)` (clippy checks it with the test target), asks Apache Thrift
//! whether it accepts each IDL, and checks that each side alone really makes the case's target.
//!
//! This file is also compiled into `build.rs` by path, so it depends on nothing but `std`.

use std::collections::BTreeSet;

/// One IDL file in which two names meet.
#[derive(Clone, Debug)]
pub struct Case {
    /// The Rust module the case is compiled as: unique, snake case, and the IDL file's stem.
    pub module: String,
    /// What meets what, for doc comments and messages.
    pub description: String,
    /// The whole IDL file.
    pub idl: String,
    /// The Rust name both sides make when each is alone.
    pub target: String,
    /// For each side the IDL spells, an IDL file holding that side alone: it must generate `target`.
    pub alone: Vec<String>,
}

/// Two IDL spellings that convert to one Rust name, so that one kind of side can meet itself without Apache
/// rejecting a name defined twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spelling {
    First,
    Second,
}

/// A piece of IDL and where a table's skeleton puts it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    /// A definition of its own, before the skeleton.
    Top(String),
    /// Inside the skeleton: a function of `Svc`, an argument, a field, a member or a declared exception.
    Inner(String),
    /// A function of `Base`, the service `Svc` extends.
    Base(String),
}

/// The Rust namespaces a side's name lives in: two sides meet only if they share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Namespace {
    Type,
    Value,
    /// A tuple struct: its name is a type and a constructor.
    Both,
}

impl Namespace {
    fn meets(self, other: Namespace) -> bool {
        self == Namespace::Both || other == Namespace::Both || self == other
    }
}

/// One way a name gets into a scope.
struct Side {
    /// A short key for module names.
    key: &'static str,
    /// What it is, for descriptions.
    what: &'static str,
    namespace: Namespace,
    making: Making,
}

/// How a side comes by its name.
enum Making {
    /// The IDL spells it: the IDL that makes `target`, or `None` if this side cannot.
    Idl(fn(target: &str, spelling: Spelling) -> Option<Vec<Part>>),
    /// The backend makes it up from IDL names: the IDL that makes it invent `target`, or `None`.
    Invented(fn(target: &str, spelling: Spelling) -> Option<Vec<Part>>),
    /// The backend always emits this name in the scope (the skeleton provides what it is emitted for).
    Fixed(&'static str),
}

impl Side {
    /// The IDL parts making `target`, or `None` if this side cannot make it.
    fn place(&self, target: &str, spelling: Spelling) -> Option<Vec<Part>> {
        match self.making {
            Making::Idl(place) | Making::Invented(place) => place(target, spelling),
            Making::Fixed(name) => (name == target).then(Vec::new),
        }
    }

    fn invented(&self) -> bool {
        !matches!(self.making, Making::Idl(_))
    }

    fn fixed(&self) -> bool {
        matches!(self.making, Making::Fixed(_))
    }
}

/// A Rust name to make sides meet on.
struct Target {
    name: &'static str,
    /// Pairs of IDL sides are cases too, not only pairs with an invented side.
    idl_pairs: bool,
    /// The sides to pair, by key; all sides that can make the name when empty.
    only: &'static [&'static str],
}

/// One scope of the generated code.
struct Table {
    /// A short key for module names.
    key: &'static str,
    /// The IDL around the sides' parts, from the `Inner` and `Base` parts.
    skeleton: fn(inner: &[String], base: &[String]) -> String,
    sides: Vec<Side>,
    targets: Vec<Target>,
}

/// Every case of every table, in a fixed order.
pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for table in tables() {
        table.cases(&mut cases);
    }
    cases.extend(shadowing_cases());
    let modules: BTreeSet<&str> = cases.iter().map(|c| c.module.as_str()).collect();
    assert_eq!(modules.len(), cases.len(), "two cases share a module name");
    cases
}

impl Table {
    fn cases(&self, cases: &mut Vec<Case>) {
        for target in &self.targets {
            let able: Vec<&Side> = self
                .sides
                .iter()
                .filter(|side| target.only.is_empty() || target.only.contains(&side.key))
                .filter(|side| side.place(target.name, Spelling::First).is_some())
                .collect();
            for (index, first) in able.iter().enumerate() {
                for second in &able[index..] {
                    let same = std::ptr::eq(*first, *second);
                    let wanted = if same {
                        !first.fixed() && (first.invented() || target.idl_pairs)
                    } else {
                        !(first.fixed() && second.fixed())
                            && (first.invented() || second.invented() || target.idl_pairs)
                    };
                    if !wanted || !first.namespace.meets(second.namespace) {
                        continue;
                    }
                    cases.push(self.case(target, first, second));
                    // The backend names what the IDL spells before what it invents, whatever the declaration
                    // order: an invented name meets an IDL name in both orders.
                    if !same
                        && first.invented() != second.invented()
                        && !first.fixed()
                        && !second.fixed()
                    {
                        cases.push(self.case(target, second, first));
                    }
                }
            }
        }
    }

    /// `first` spelled one way, then `second` spelled the other.
    fn case(&self, target: &Target, first: &Side, second: &Side) -> Case {
        let first_parts = first.place(target.name, Spelling::First).expect("able");
        let second_parts = second
            .place(target.name, Spelling::Second)
            .expect("a side making a name in one spelling makes it in the other");
        let alone = [(first, &first_parts), (second, &second_parts)]
            .into_iter()
            .filter(|(side, _)| !side.fixed())
            .map(|(_, parts)| self.assemble(parts))
            .collect();
        let parts = [first_parts.as_slice(), second_parts.as_slice()].concat();
        Case {
            module: format!(
                "{}_{}_{}_{}",
                self.key,
                module_word(target.name),
                first.key,
                second.key
            ),
            description: format!("{} and {}, both `{}`", first.what, second.what, target.name),
            idl: self.assemble(&parts),
            target: target.name.to_owned(),
            alone,
        }
    }

    fn assemble(&self, parts: &[Part]) -> String {
        let mut top = Vec::new();
        let mut inner = Vec::new();
        let mut base = Vec::new();
        for part in parts {
            match part {
                Part::Top(text) => top.push(text.clone()),
                Part::Inner(text) => inner.push(text.clone()),
                Part::Base(text) => base.push(text.clone()),
            }
        }
        let mut idl = top.join("\n");
        idl.push('\n');
        idl.push_str(&(self.skeleton)(&inner, &base));
        idl
    }
}

fn tables() -> Vec<Table> {
    vec![
        module_table(),
        methods_table(),
        arguments_table(),
        fields_table(),
        members_table(),
        throws_table(),
    ]
}

/// Definitions at module level: types and traits in one namespace; constants, statics, functions and the
/// constructors of tuple structs (what an IDL enum becomes) in the other.
fn module_table() -> Table {
    Table {
        key: "module",
        skeleton: |_, _| String::new(),
        sides: vec![
            idl_side("struct", "a struct", Namespace::Type, |t, s| {
                type_case(t).then(|| top(format!("struct {} {{}}", spell(t, s))))
            }),
            idl_side("union", "a union", Namespace::Type, |t, s| {
                type_case(t).then(|| top(format!("union {} {{ 1: i32 a }}", spell(t, s))))
            }),
            idl_side("exception", "an exception", Namespace::Type, |t, s| {
                type_case(t).then(|| top(format!("exception {} {{}}", spell(t, s))))
            }),
            idl_side("enum", "an enum", Namespace::Both, |t, s| {
                type_case(t).then(|| top(format!("enum {} {{ A = 1 }}", spell(t, s))))
            }),
            idl_side("typedef", "a typedef", Namespace::Type, |t, s| {
                type_case(t).then(|| top(format!("typedef i32 {}", spell(t, s))))
            }),
            idl_side(
                "service",
                "a service's handler trait",
                Namespace::Type,
                |t, s| type_case(t).then(|| top(format!("service {} {{}}", spell(t, s)))),
            ),
            idl_side("const", "a constant", Namespace::Value, |t, s| {
                shouty_case(t).then(|| top(format!("const i32 {} = 1", spell(t, s))))
            }),
            idl_side(
                "static",
                "a container constant's static",
                Namespace::Value,
                |t, s| {
                    shouty_case(t).then(|| top(format!("const list<i32> {} = [1]", spell(t, s))))
                },
            ),
            invented_side(
                "builder",
                "the function building a container constant",
                Namespace::Value,
                |t, s| {
                    let upper = t.to_uppercase();
                    snake_case(t)
                        .then(|| top(format!("const list<i32> {} = [1]", spell(&upper, s))))
                },
            ),
            invented_side(
                "processor",
                "a service's processor",
                Namespace::Type,
                |t, s| {
                    let stem = t.strip_suffix("Processor").filter(|stem| type_case(stem))?;
                    Some(top(format!("service {} {{}}", spell(stem, s))))
                },
            ),
            invented_side("client", "a service's client", Namespace::Type, |t, s| {
                let stem = t.strip_suffix("Client").filter(|stem| type_case(stem))?;
                Some(top(format!("service {} {{}}", spell(stem, s))))
            }),
            invented_side(
                "args",
                "a function's argument struct",
                Namespace::Type,
                |t, s| {
                    let (service, function) = split_function(t.strip_suffix("Args")?, s)?;
                    Some(top(format!("service {service} {{ void {function}() }}")))
                },
            ),
            invented_side(
                "result",
                "a function's result struct",
                Namespace::Type,
                |t, s| {
                    let (service, function) = split_function(t.strip_suffix("Result")?, s)?;
                    Some(top(format!("service {service} {{ void {function}() }}")))
                },
            ),
            invented_side(
                "exceptions",
                "a function's enum of declared exceptions",
                Namespace::Type,
                |t, s| {
                    let (service, function) = split_function(t.strip_suffix("Exception")?, s)?;
                    let thrown = match s {
                        Spelling::First => "Oops",
                        Spelling::Second => "Whoops",
                    };
                    Some(vec![
                        Part::Top(format!("exception {thrown} {{}}")),
                        Part::Top(format!(
                            "service {service} {{ void {function}() throws (1: {thrown} e) }}"
                        )),
                    ])
                },
            ),
        ],
        targets: vec![
            invented("AccountProcessor"),
            invented("AccountClient"),
            invented("StoreGetValueArgs"),
            invented("StoreGetValueResult"),
            invented("StoreGetValueException"),
            Target {
                name: "FooBar",
                idl_pairs: true,
                only: &["struct", "union", "exception", "enum", "typedef", "service"],
            },
            Target {
                name: "X",
                idl_pairs: true,
                only: &["enum", "const", "static"],
            },
            // Without letters, a name is the same in every case convention: type, constant and function meet.
            Target {
                name: "_1",
                idl_pairs: true,
                only: &["enum", "const", "static", "builder"],
            },
        ],
    }
}

/// The methods of a service's handler trait and client (which share their names), beside the client's and
/// processor's own methods and the methods of the traits they derive.
fn methods_table() -> Table {
    let mut sides = vec![
        idl_side("function", "a function", Namespace::Value, |t, s| {
            snake_case(t).then(|| vec![Part::Inner(format!("void {}()", spell(t, s)))])
        }),
        idl_side(
            "inherited",
            "a function of the extended service",
            Namespace::Value,
            |t, s| snake_case(t).then(|| vec![Part::Base(format!("void {}()", spell(t, s)))]),
        ),
    ];
    for (key, what, name) in [
        ("client_new", "the client's `new`", "new"),
        ("channel", "the client's `channel`", "channel"),
        ("connect", "the client's `connect`", "connect"),
        ("processor_new", "the processor's `new`", "new"),
        ("from_arc", "the processor's `from_arc`", "from_arc"),
        ("dispatch", "the processor's `dispatch`", "dispatch"),
        ("process_in", "the processor's `process_in`", "process_in"),
        ("process", "the processor's `Processor::process`", "process"),
        ("clone", "the derived `Clone::clone`", "clone"),
        ("fmt", "the derived `Debug::fmt`", "fmt"),
    ] {
        sides.push(fixed_side(key, what, name));
    }
    Table {
        key: "methods",
        skeleton: |inner, base| {
            format!(
                "service Base {{\n  {}\n}}\nservice Svc extends Base {{\n  {}\n}}\n",
                base.join("\n  "),
                inner.join("\n  ")
            )
        },
        sides,
        targets: vec![
            invented("new"),
            invented("channel"),
            invented("connect"),
            invented("from_arc"),
            invented("dispatch"),
            invented("process_in"),
            invented("process"),
            invented("clone"),
            invented("fmt"),
            idl_pair("get_value"),
        ],
    }
}

/// The arguments of a function: parameters of the handler trait's and the client's methods, next to the locals
/// of the client's and processor's bodies, and to module constants a parameter must not shadow.
fn arguments_table() -> Table {
    let mut sides = vec![
        idl_side("argument", "an argument", Namespace::Value, |t, s| {
            snake_case(t).then(|| vec![Part::Inner(format!("i32 {}", spell(t, s)))])
        }),
        idl_side("const", "a constant", Namespace::Value, |t, s| {
            shouty_case(t).then(|| top(format!("const i32 {} = 1", spell(t, s))))
        }),
        idl_side("enum", "an enum", Namespace::Value, |t, s| {
            type_case(t).then(|| top(format!("enum {} {{ A = 1 }}", spell(t, s))))
        }),
    ];
    for name in [
        "result",
        "exception",
        "success",
        "error",
        "args",
        "call",
        "handler",
        "core",
        "rt",
    ] {
        sides.push(fixed_side(name, "a local of the client or processor", name));
    }
    Table {
        key: "arguments",
        skeleton: |inner, _| {
            let arguments = numbered(inner).join(", ");
            format!(
                "exception Oops {{}}\nservice Svc {{\n  i32 call({arguments}) throws (1: Oops oops)\n  \
                 void nothing({arguments})\n  oneway void notify({arguments})\n}}\n"
            )
        },
        sides,
        targets: vec![
            invented("result"),
            invented("exception"),
            invented("success"),
            invented("error"),
            invented("args"),
            invented("call"),
            invented("handler"),
            invented("core"),
            invented("rt"),
            idl_pair("foo_bar"),
            idl_pair("_1"),
        ],
    }
}

/// The fields of structs, exceptions and unions: struct fields, union variants, and the locals of the
/// generated encode, decode and `Display` bodies, which must not shadow module constants either.
fn fields_table() -> Table {
    let mut sides = vec![
        idl_side("field", "a field", Namespace::Value, |t, s| {
            snake_case(t).then(|| vec![Part::Inner(spell(t, s))])
        }),
        idl_side("const", "a constant", Namespace::Value, |t, s| {
            shouty_case(t).then(|| top(format!("const i32 {} = 1", spell(t, s))))
        }),
        idl_side("enum", "an enum", Namespace::Value, |t, s| {
            type_case(t).then(|| top(format!("enum {} {{ A = 1 }}", spell(t, s))))
        }),
    ];
    for name in [
        "r", "w", "field", "other", "value", "found", "f", "message", "rt",
    ] {
        sides.push(fixed_side(name, "a local of the generated codec", name));
    }
    Table {
        key: "fields",
        skeleton: |inner, _| {
            let with = |ty: &str| {
                inner
                    .iter()
                    .enumerate()
                    .map(|(index, name)| format!("{}: {ty} {name}", index + 1))
                    .collect::<Vec<_>>()
                    .join("\n  ")
            };
            let defaulted = inner
                .iter()
                .enumerate()
                .map(|(index, name)| format!("{}: i32 {name} = 7", index + 1))
                .collect::<Vec<_>>()
                .join("\n  ");
            format!(
                "struct Plain {{\n  {defaulted}\n}}\nstruct Optional {{\n  {}\n}}\n\
                 exception Failure {{\n  {}\n}}\nunion Choice {{\n  {}\n}}\n",
                with("optional string"),
                with("optional string"),
                with("list<i32>"),
            )
        },
        sides,
        targets: vec![
            invented("r"),
            invented("w"),
            invented("field"),
            invented("other"),
            invented("value"),
            invented("found"),
            invented("f"),
            invented("message"),
            invented("rt"),
            idl_pair("foo_bar"),
            idl_pair("_1"),
        ],
    }
}

/// The members of an enum: associated constants, beside the ones the backend adds.
fn members_table() -> Table {
    Table {
        key: "members",
        skeleton: |inner, _| {
            let members = inner
                .iter()
                .enumerate()
                .map(|(index, name)| format!("{name} = {}", index + 1))
                .collect::<Vec<_>>();
            format!("enum Shade {{\n  {}\n}}\n", members.join("\n  "))
        },
        sides: vec![
            idl_side("member", "a member", Namespace::Value, |t, s| {
                shouty_case(t).then(|| vec![Part::Inner(spell(t, s))])
            }),
            fixed_side("values", "the enum's `VALUES`", "VALUES"),
            fixed_side("name", "`ThriftEnum::NAME`", "NAME"),
        ],
        targets: vec![
            invented("VALUES"),
            invented("NAME"),
            idl_pair("FOO_BAR"),
            idl_pair("_1"),
        ],
    }
}

/// A function's declared exceptions: variants of its exception enum and fields of its result struct.
fn throws_table() -> Table {
    Table {
        key: "throws",
        skeleton: |inner, _| {
            let throws = numbered(
                &inner
                    .iter()
                    .map(|name| format!("Oops {name}"))
                    .collect::<Vec<_>>(),
            )
            .join(", ");
            format!(
                "exception Oops {{}}\nservice Svc {{\n  i32 call() throws ({throws})\n  \
                 void nothing() throws ({throws})\n}}\n"
            )
        },
        sides: vec![
            idl_side(
                "thrown",
                "a declared exception",
                Namespace::Value,
                |t, s| snake_case(t).then(|| vec![Part::Inner(spell(t, s))]),
            ),
            fixed_side("success", "the result struct's `success`", "success"),
        ],
        targets: vec![invented("success"), idl_pair("foo_bar")],
    }
}

/// Names generated code uses without a path (prelude items and generic parameters) or that Rust reserves,
/// defined by the IDL as each kind of definition and used wherever generated code names a type.
fn shadowing_cases() -> Vec<Case> {
    const NAMES: &[&str] = &[
        "Option", "Some", "Result", "Ok", "Err", "String", "Vec", "Box", "Default", "ToOwned",
        "Self", "W", "R", "C", "H",
    ];
    let mut cases = Vec::new();
    for name in NAMES {
        for kind in ["struct", "exception", "enum", "typedef", "service"] {
            let definition = match kind {
                "struct" => format!("struct {name} {{ 1: i32 a }}"),
                "exception" => format!("exception {name} {{ 1: string message }}"),
                "enum" => format!("enum {name} {{ A = 1 }}"),
                "typedef" => format!("typedef i32 {name}"),
                _ => format!("service {name} {{ void ping() }}\nservice Child extends {name} {{}}"),
            };
            // A service is not a type; the uses name a struct then.
            let used = if kind == "service" { "Other" } else { name };
            let throws = if kind == "exception" {
                format!(" throws (1: {name} e)")
            } else {
                String::new()
            };
            let idl = format!(
                "{definition}\nstruct Other {{ 1: i32 a }}\n\
                 struct User {{\n  1: {used} plain\n  2: optional {used} maybe\n  3: list<{used}> many\n  \
                 4: map<string, {used}> keyed\n  5: string text = \"t\"\n  6: optional User next\n}}\n\
                 service Uses {{\n  {used} call(1: {used} argument){throws}\n  oneway void notify(1: {used} argument)\n}}\n"
            );
            cases.push(Case {
                module: format!("shadowing_{}_{kind}", module_word(name)),
                description: format!(
                    "{kind} `{name}`, a name generated code uses unqualified, used as a type"
                ),
                alone: vec![idl.clone()],
                idl,
                target: format!("{name}_"),
            });
        }
    }
    cases
}

fn idl_side(
    key: &'static str,
    what: &'static str,
    namespace: Namespace,
    place: fn(&str, Spelling) -> Option<Vec<Part>>,
) -> Side {
    Side {
        key,
        what,
        namespace,
        making: Making::Idl(place),
    }
}

fn invented_side(
    key: &'static str,
    what: &'static str,
    namespace: Namespace,
    place: fn(&str, Spelling) -> Option<Vec<Part>>,
) -> Side {
    Side {
        key,
        what,
        namespace,
        making: Making::Invented(place),
    }
}

/// A name the backend emits whatever the IDL says: methods, associated constants, locals.
fn fixed_side(key: &'static str, what: &'static str, name: &'static str) -> Side {
    Side {
        key,
        what,
        namespace: Namespace::Value,
        making: Making::Fixed(name),
    }
}

/// A target for pairs with an invented side only.
fn invented(name: &'static str) -> Target {
    Target {
        name,
        idl_pairs: false,
        only: &[],
    }
}

/// A target for pairs of IDL sides too.
fn idl_pair(name: &'static str) -> Target {
    Target {
        name,
        idl_pairs: true,
        only: &[],
    }
}

fn top(text: String) -> Vec<Part> {
    vec![Part::Top(text)]
}

/// `1: a, 2: b, ...`.
fn numbered(items: &[String]) -> Vec<String> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| format!("{}: {item}", index + 1))
        .collect()
}

/// Words Thrift's grammar reserves that a target can be.
const THRIFT_KEYWORDS: &[&str] = &["exception", "service", "struct", "union", "enum", "const"];

/// `name` as spelled: itself first (respelled if Thrift reserves it), then another IDL name that converts to
/// the same Rust name.
fn spell(name: &str, spelling: Spelling) -> String {
    match spelling {
        Spelling::First if !THRIFT_KEYWORDS.contains(&name) => name.to_owned(),
        _ => respell(name),
    }
}

/// Another spelling of an identifier that heck converts to the same name in every case convention:
/// `FooBar` → `foo_bar`, `foo_bar` → `fooBar`, `connect` → `Connect`, `FOO_BAR` → `fooBar`, `_1` → `_1_`.
fn respell(name: &str) -> String {
    let has_upper = name.chars().any(|c| c.is_ascii_uppercase());
    let has_lower = name.chars().any(|c| c.is_ascii_lowercase());
    match (has_upper, has_lower) {
        (true, true) => to_snake(name),
        (true, false) => to_lower_camel(&name.to_ascii_lowercase()),
        (false, true) if name.contains('_') => to_lower_camel(name),
        (false, true) => {
            let mut chars = name.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect()
        }
        (false, false) => format!("{name}_"),
    }
}

fn to_snake(name: &str) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_uppercase()
            && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
        {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    out
}

fn to_lower_camel(snake: &str) -> String {
    let mut out = String::new();
    for (index, word) in snake.split('_').filter(|w| !w.is_empty()).enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(if index == 0 {
                first
            } else {
                first.to_ascii_uppercase()
            });
            out.extend(chars);
        }
    }
    out
}

/// Without letters, a name reads the same in every case convention.
fn letterless(name: &str) -> bool {
    !name.chars().any(|c| c.is_ascii_alphabetic())
}

/// `UpperCamelCase`, or without letters.
fn type_case(name: &str) -> bool {
    letterless(name) || name.starts_with(|c: char| c.is_ascii_uppercase()) && !name.contains('_')
}

/// `snake_case`, or without letters.
fn snake_case(name: &str) -> bool {
    !name.contains(|c: char| c.is_ascii_uppercase())
}

/// `SCREAMING_SNAKE_CASE`, or without letters.
fn shouty_case(name: &str) -> bool {
    !name.contains(|c: char| c.is_ascii_lowercase())
}

/// A function's wire types are named `{Service}{Function}Args` (and `Result`, `Exception`): the service and
/// function names that make `stem`, split after its first word in the first spelling and before its last word
/// in the second (or, with two words only, with the service name respelled).
fn split_function(stem: &str, spelling: Spelling) -> Option<(String, String)> {
    if !type_case(stem) {
        return None;
    }
    let starts: Vec<usize> = stem
        .char_indices()
        .filter(|(index, c)| *index > 0 && c.is_ascii_uppercase())
        .map(|(index, _)| index)
        .collect();
    let split = match spelling {
        Spelling::First => *starts.first()?,
        Spelling::Second => *starts.last()?,
    };
    let (service, function) = stem.split_at(split);
    let service = if spelling == Spelling::Second && starts.len() == 1 {
        respell(service)
    } else {
        service.to_owned()
    };
    Some((service, to_lower_camel(&to_snake(function))))
}

/// `name` as a piece of a module name: snake case, letters first.
fn module_word(name: &str) -> String {
    let word = to_snake(name).trim_matches('_').to_owned();
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{word}")
    } else {
        word
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respellings_convert_alike() {
        assert_eq!(respell("AccountClient"), "account_client");
        assert_eq!(respell("get_value"), "getValue");
        assert_eq!(respell("connect"), "Connect");
        assert_eq!(respell("FOO_BAR"), "fooBar");
        assert_eq!(respell("X"), "x");
        assert_eq!(respell("_1"), "_1_");
    }

    #[test]
    fn function_stems_split_two_ways() {
        assert_eq!(
            split_function("StoreGetValue", Spelling::First),
            Some(("Store".to_owned(), "getValue".to_owned()))
        );
        assert_eq!(
            split_function("StoreGetValue", Spelling::Second),
            Some(("StoreGet".to_owned(), "value".to_owned()))
        );
        assert_eq!(
            split_function("StoreGet", Spelling::Second),
            Some(("store".to_owned(), "get".to_owned()))
        );
    }
}
