use idlc_macros::ThriftEnum;

#[derive(ThriftEnum)]
pub enum NotCLike {
    Red,
    Rgb(u8, u8, u8),
}

#[derive(ThriftEnum)]
pub enum DuplicateValue {
    Red = 1,
    #[thrift(value = 1)]
    Crimson,
}

#[derive(ThriftEnum)]
pub enum ValueTwice {
    #[thrift(value = 2)]
    Red = 1,
}

#[derive(ThriftEnum)]
pub enum OutOfRange {
    Huge = 4294967296,
}

#[derive(ThriftEnum)]
pub enum NotALiteral {
    Red = 1 + 1,
}

#[derive(ThriftEnum)]
pub enum UnknownKey {
    #[thrift(name = "RED")]
    Red = 1,
}

#[derive(ThriftEnum)]
pub enum TwoOthers {
    #[thrift(value = 1)]
    Red,
    #[thrift(other)]
    Unknown(i32),
    #[thrift(other)]
    Unknown2(i32),
}

#[derive(ThriftEnum)]
pub enum OtherNotI32 {
    #[thrift(value = 1)]
    Red,
    #[thrift(other)]
    Unknown(i64),
}

#[derive(ThriftEnum)]
pub enum ImplicitAfterOther {
    #[thrift(value = 1)]
    Red,
    #[thrift(other)]
    Unknown(i32),
    Green,
}

#[derive(ThriftEnum)]
pub struct NotI32(u32);

#[derive(ThriftEnum)]
pub struct Named {
    value: i32,
}

#[derive(ThriftEnum)]
#[thrift(value = 1)]
pub enum AttributeOnTheType {
    Red,
}

fn main() {}
