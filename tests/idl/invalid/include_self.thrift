// A file includes itself.
include "include_self.thrift"

struct Me {
  1: i32 x
}
