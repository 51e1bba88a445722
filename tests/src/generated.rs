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
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/mod.rs"));
