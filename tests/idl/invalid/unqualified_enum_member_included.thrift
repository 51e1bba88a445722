// A field default names a member of an included enum without its enum.
include "../included/shades.thrift"

struct Theme {
  1: shades.Shade shade = DARK
}
