// The other common.thrift: it also defines `Shared`.
struct OnlyInB {
  1: string b
}

struct Shared {
  1: string b
}
