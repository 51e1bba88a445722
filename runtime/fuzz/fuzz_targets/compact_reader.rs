//! Every compact reader entry point (skip, a generated-style struct decode, a dynamic value read; bare and inside
//! a message; default and tight limits) on arbitrary bytes. Accepted input must survive a round trip.

#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::fuzz_one(common::Protocol::Compact, data);
});
