use idlc_macros::{ThriftEnum, ThriftStruct};

#[derive(ThriftEnum)]
pub enum Color {
    Red = 1,
}

pub struct NotThrift;

#[derive(ThriftStruct)]
pub struct UnsupportedTypes {
    #[thrift(id = 1)]
    a: u32,
    #[thrift(id = 2)]
    b: Vec<(i32, i32)>,
    #[thrift(id = 3)]
    c: Option<NotThrift>,
    #[thrift(id = 4)]
    fine: Vec<Color>,
}

#[derive(ThriftStruct)]
pub struct EnumMarker {
    #[thrift(id = 1, enum)]
    color: Color,
}

fn main() {}
