// Explicit ids of zero or below collide with the ids given to fields without one: warn.
struct Odd {
  0: i32 zero
  -1: i32 minus_one
  1: i32 one
}
