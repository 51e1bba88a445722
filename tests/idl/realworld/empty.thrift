/** Empty definitions appear in real IDLs as placeholders and markers. */

namespace rs realworld.empty

struct Nothing {}

union NoChoice {}

exception Bare {}

service Placeholder {}

service AlsoEmpty extends Placeholder {}

struct UsesEmpty {
  1: Nothing marker
  2: optional NoChoice choice
}

service Returns {
  Nothing nothing() throws (1: Bare bare)
}
