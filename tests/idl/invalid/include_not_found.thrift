// The included file does not exist on any search path.
include "no_such_file.thrift"

struct Uses {
  1: i32 x
}
