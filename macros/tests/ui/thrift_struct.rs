use idlc_macros::{ThriftStruct, ThriftUnion};

#[derive(ThriftStruct)]
pub struct MissingId {
    #[thrift(id = 1)]
    a: i32,
    b: i32,
}

#[derive(ThriftStruct)]
pub struct DuplicateId {
    #[thrift(id = 1)]
    a: i32,
    #[thrift(id = 1)]
    b: i32,
}

#[derive(ThriftStruct)]
pub struct UnknownKey {
    #[thrift(id = 1, wire = "A")]
    a: i32,
}

#[derive(ThriftStruct)]
pub struct WrongRequiredness {
    #[thrift(id = 1, optional)]
    a: i32,
    #[thrift(id = 2, required)]
    b: Option<i32>,
    #[thrift(id = 0)]
    c: i32,
}

#[derive(ThriftStruct)]
pub struct Tuple(i32);

#[derive(ThriftUnion)]
pub enum UnionErrors {
    #[thrift(id = 1)]
    Fine(i32),
    #[thrift(id = 1)]
    Again(i32),
    #[thrift(id = 2, optional)]
    Optional(Option<i32>),
}

#[derive(ThriftUnion)]
pub enum UnitVariant {
    #[thrift(id = 1)]
    Nothing,
}

fn main() {}
