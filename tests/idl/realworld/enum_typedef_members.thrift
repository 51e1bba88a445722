/**
 * Enum members named through a typedef of their enum: `Finish.MATTE` where
 * `typedef Surface Finish`. The typedef may be declared in this file, in an
 * included one (`colours.Tint.GREEN`), or here for an included enum
 * (`typedef colours.Hue Shade`, then `Shade.BLUE`).
 */

include "palette/colours.thrift"

namespace rs realworld.enum_typedef_members

enum Surface {
  GLOSS = 1,
  MATTE = 2,
  SATIN = 3
}

typedef Surface Finish
typedef colours.Hue Shade

const Finish DEFAULT_FINISH = Finish.MATTE
const Surface PREFERRED_SURFACE = Finish.SATIN
const Shade ACCENT = Shade.BLUE
const colours.Hue BACKGROUND = colours.Tint.GREEN
const list<Shade> SWATCHES = [Shade.RED, colours.Tint.BLUE, colours.Hue.GREEN]
const map<Finish, colours.Tint> DEFAULT_TINTS = {
  Finish.GLOSS: colours.Tint.RED,
  Surface.MATTE: Shade.GREEN,
}

/** A paint order whose defaults name members through the typedefs. */
struct PaintOrder {
  1: Finish finish = Finish.GLOSS
  2: Surface surface = Finish.MATTE
  3: colours.Tint tint = colours.Tint.BLUE
  4: Shade shade = Shade.RED
  5: set<Finish> alternatives = [Finish.SATIN, Surface.MATTE]
}

service Paints {
  PaintOrder mix(1: Shade shade = Shade.GREEN, 2: Finish finish = Finish.SATIN)
}
