//! Code idlc generates for the example IDLs (`idl-examples/`), compiled here under `deny(warnings)` and clippy.
//!
//! `build.rs` runs `idlc::Builder` over `tutorial/calculator.thrift` and `kitchen_sink/{kitchen_sink,
//! newer_syntax,deprecated}.thrift`; every file read (includes too) becomes one sibling module here, named by
//! its `namespace rs`:
//!
//! | module                          | from                                  |
//! |---------------------------------|---------------------------------------|
//! | `generated::calculator`         | `tutorial/calculator.thrift`          |
//! | `generated::shared`             | `tutorial/shared.thrift`              |
//! | `generated::kitchen_sink`       | `kitchen_sink/kitchen_sink.thrift`    |
//! | `generated::kitchen_base`       | `kitchen_sink/base.thrift`            |
//! | `generated::kitchen_newer`      | `kitchen_sink/newer_syntax.thrift`    |
//! | `generated::kitchen_deprecated` | `kitchen_sink/deprecated.thrift`      |
//!
//! The generated sources themselves are in `$OUT_DIR/<module>.rs`.
//!
//! [`every_option`] holds the kitchen sink (and the base file it includes) generated again with serde
//! derives, `HashMap`/`HashSet` collections and `FastStr` strings, from `$OUT_DIR/every_option/`.
//!
//! [`realworld`] holds `tests/idl/realworld/{empty_containers,enum_typedef_members}.thrift` and the file the
//! latter includes, from `$OUT_DIR/realworld/`.
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/mod.rs"));

/// `kitchen_sink/kitchen_sink.thrift` generated with `serde(true)`, `hash_collections(true)` and
/// `string_type(StringType::FastStr)`.
pub mod every_option {
    /// Generated from `kitchen_sink/kitchen_sink.thrift`.
    pub mod kitchen_sink {
        include!(concat!(env!("OUT_DIR"), "/every_option/kitchen_sink.rs"));
    }

    /// Generated from `kitchen_sink/base.thrift`.
    pub mod kitchen_base {
        include!(concat!(env!("OUT_DIR"), "/every_option/kitchen_base.rs"));
    }
}

/// Inputs from `tests/idl/realworld/` that write values the way Apache Thrift allows but idiomatic IDL would not.
pub mod realworld {
    /// Generated from `realworld/empty_containers.thrift`.
    pub mod realworld_empty_containers {
        include!(concat!(
            env!("OUT_DIR"),
            "/realworld/realworld_empty_containers.rs"
        ));
    }

    /// Generated from `realworld/enum_typedef_members.thrift`.
    pub mod realworld_enum_typedef_members {
        include!(concat!(
            env!("OUT_DIR"),
            "/realworld/realworld_enum_typedef_members.rs"
        ));
    }

    /// Generated from `realworld/lib/palette/colours.thrift`.
    pub mod palette_colours {
        include!(concat!(env!("OUT_DIR"), "/realworld/palette_colours.rs"));
    }
}
