use idlc_macros::{ThriftEnum, ThriftStruct};

#[derive(ThriftEnum)]
pub enum Color {
    Red = 1,
}

#[derive(ThriftStruct)]
pub struct Inner {
    #[thrift(id = 1)]
    a: i32,
}

#[derive(ThriftStruct)]
pub struct EnumWithoutTheKey {
    #[thrift(id = 1)]
    color: Color,
}

#[derive(ThriftStruct)]
pub struct StructMarkedEnum {
    #[thrift(id = 1, enum)]
    inner: Inner,
}

fn main() {}
