// Both files known as `common` define `Shared`: which one is meant?
include "../included/a/common.thrift"
include "../included/b/common.thrift"

struct Holder {
  1: common.Shared shared
}
