// Enum values are i32 on the wire; this one is larger.
enum Big {
  SMALL = 1,
  HUGE = 4294967296
}
