//! idlc: a Thrift IDL compiler.
