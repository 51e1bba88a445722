// One of two files named common.thrift, included together by tests/idl/warnings and tests/idl/invalid.
struct OnlyInA {
  1: i32 a
}

struct Shared {
  1: i32 a
}
