//! The grammar: the pest parser derived from `thrift.pest`, whose [`Rule`]s lowering walks and
//! error prose names.
#![allow(missing_docs, unreachable_pub)]

#[derive(pest_derive::Parser)]
#[grammar = "syntax/thrift.pest"]
pub struct ThriftParser;
