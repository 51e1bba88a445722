//! Generates Rust code for the example IDLs into `OUT_DIR`, so `src/generated.rs` compiles it with every lint
//! denied and the tests can use it: once with the default options, and the kitchen sink again with every
//! option that changes the types (serde derives, hash collections, `FastStr` strings) into
//! `OUT_DIR/every_option`, and a few inputs from `tests/idl/realworld/` into `OUT_DIR/realworld`.

use idlc::codegen::rust::StringType;

fn main() {
    let examples = std::path::Path::new("../idl-examples");
    let result = idlc::Builder::new().compile(&[
        examples.join("tutorial/calculator.thrift"),
        examples.join("kitchen_sink/kitchen_sink.thrift"),
        examples.join("kitchen_sink/newer_syntax.thrift"),
        examples.join("kitchen_sink/deprecated.thrift"),
    ]);
    if let Err(error) = result {
        panic!("idlc could not generate the example code:\n{error}");
    }
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let result = idlc::Builder::new()
        .out_dir(std::path::Path::new(&out_dir).join("every_option"))
        // The first run already asked cargo to watch these files and showed their warnings.
        .emit_rerun_if_changed(false)
        .serde(true)
        .hash_collections(true)
        .string_type(StringType::FastStr)
        .compile(&[examples.join("kitchen_sink/kitchen_sink.thrift")]);
    if let Err(error) = result {
        panic!("idlc could not generate the kitchen sink with every option:\n{error}");
    }
    // Front-end inputs whose values are written in a roundabout way Apache Thrift accepts (empty containers
    // in the other bracket, enum members named through typedefs): their code must compile and hold the values
    // meant.
    let realworld = std::path::Path::new("idl/realworld");
    let result = idlc::Builder::new()
        .out_dir(std::path::Path::new(&out_dir).join("realworld"))
        .include_dir(realworld.join("lib"))
        .compile(&[
            realworld.join("empty_containers.thrift"),
            realworld.join("enum_typedef_members.thrift"),
        ]);
    if let Err(error) = result {
        panic!("idlc could not generate the realworld inputs:\n{error}");
    }
}
