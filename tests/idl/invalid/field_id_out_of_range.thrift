// Field ids are 16-bit on the wire; 40000 does not fit.
struct Wide {
  1: i32 small
  40000: i32 too_big
}
