// An enum for tests/idl/warnings and tests/idl/invalid to name through their include.
enum Shade {
  LIGHT = 1,
  DARK = 2
}
