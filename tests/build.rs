//! Generates Rust code for the example IDLs into `OUT_DIR`, so `src/generated.rs` compiles it with every lint
//! denied and the tests can use it.

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
}
