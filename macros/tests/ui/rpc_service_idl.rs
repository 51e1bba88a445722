// IDL paths here are relative to this file (`relative_to = "file"`), so they hold wherever the test is built.
use idlc_macros::RpcService;

#[derive(RpcService)]
#[rpc(idl = "../idl/broken.thrift", service = "Broken", relative_to = "file")]
pub struct SemanticError;

#[derive(RpcService)]
#[rpc(idl = "../idl/syntax_error.thrift", service = "Unfinished", relative_to = "file")]
pub struct SyntaxError;

#[derive(RpcService)]
#[rpc(
    idl = "../idl/calculator.thrift",
    service = "Calculater",
    include = "../idl/shared",
    relative_to = "file"
)]
pub struct UnknownService;

#[derive(RpcService)]
#[rpc(idl = "../idl/missing.thrift", service = "Calculator", relative_to = "file")]
pub struct NotFoundBesideThisFile;

#[derive(RpcService)]
#[rpc(idl = "../idl/calculator.thrift", service = "Calculator", relative_to = "here")]
pub struct UnknownBase;

fn main() {}
