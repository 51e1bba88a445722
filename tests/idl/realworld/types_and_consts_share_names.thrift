// Types and constants live in separate namespaces, as in Apache Thrift: a struct and a
// constant may share a name.
struct Limit {
  1: i32 value
}

const i32 Limit = 10

const Limit DEFAULT_LIMIT = { "value": Limit }

struct Request {
  1: Limit limit
  2: i32 count = Limit
}
