/**
 * An enum and a typedef of it, included by enum_typedef_members.thrift
 * through the include path.
 */

namespace rs palette.colours

enum Hue {
  RED = 1,
  GREEN = 2,
  BLUE = 4
}

/** Another name for `Hue`, as shared libraries sometimes export one. */
typedef Hue Tint
