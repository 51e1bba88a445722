// A field's type names a constant.
const i32 LIMIT = 10

struct Holder {
  1: LIMIT value
}
