//! Generates the calculator's Rust code from the tutorial IDL into `OUT_DIR` on every build that needs it.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `calculator.thrift` includes `shared.thrift` from its own directory, so no include_dir is needed; the
    // builder also tells cargo to rerun when either file changes.
    idlc::Builder::new().compile(&["../tutorial/calculator.thrift"])?;
    Ok(())
}
