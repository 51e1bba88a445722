// The included file exists but is not UTF-8 text.
include "not_utf8/latin1_comment.thrift"

struct Order {
  1: latin1_comment.Menu menu
}
