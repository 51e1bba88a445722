// A definition name may not contain a dot: the dot is how names from includes are written.
struct shared.Point {
  1: i32 x
}
