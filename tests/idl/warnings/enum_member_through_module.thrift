// Enum values qualified by the included file's name instead of the enum's:
// `shades.DARK` for `shades.Shade.DARK`. Apache Thrift reads the member name
// in the enum the value must have.
include "../included/shades.thrift"

const shades.Shade NIGHT = shades.DARK

struct Theme {
  1: shades.Shade shade = shades.LIGHT
}
