use std::collections::BTreeMap;

use idlc_macros::{ThriftEnum, ThriftStruct};

#[derive(ThriftEnum)]
pub enum Color {
    Red = 1,
}

#[derive(ThriftStruct)]
pub struct Typo {
    #[thrift(id = 1, enum(Colour))]
    colors: Vec<Color>,
}

#[derive(ThriftStruct)]
pub struct EnumHereStructThere {
    #[thrift(id = 1, enum)]
    a: Color,
    #[thrift(id = 2)]
    b: BTreeMap<Color, i32>,
}

#[derive(ThriftStruct)]
pub struct NotAName {
    #[thrift(id = 1, enum(crate::Color))]
    a: Color,
}

fn main() {}
