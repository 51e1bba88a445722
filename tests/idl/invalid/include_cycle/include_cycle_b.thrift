// b includes a, closing the cycle started in include_cycle_a.thrift.
include "include_cycle_a.thrift"

struct B {
  1: i32 value
}
