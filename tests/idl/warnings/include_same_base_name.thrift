// Two included files are both named common.thrift, so both are known as `common`.
// Names only one of them defines still resolve.
include "../included/a/common.thrift"
include "../included/b/common.thrift"

struct Both {
  1: common.OnlyInA a
  2: common.OnlyInB b
}
