use idlc_macros::RpcService;

#[derive(RpcService)]
#[rpc(idl = "idl/missing.thrift", service = "Calculator")]
pub struct NotFound;

#[derive(RpcService)]
#[rpc(idl = "a.thrift", service = "Calculator", protocol = "binary")]
pub struct UnknownKey;

#[derive(RpcService)]
#[rpc(service = "Calculator")]
pub struct NoIdl;

#[derive(RpcService)]
pub struct NoAttribute;

#[derive(RpcService)]
#[rpc(idl = "a.thrift", idl = "b.thrift", service = "Calculator")]
pub struct Twice;

#[derive(RpcService)]
#[rpc(idl = "a.thrift", service = "Calculator")]
pub enum NotAStruct {}

fn main() {}
