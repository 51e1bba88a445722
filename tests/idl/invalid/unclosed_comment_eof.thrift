// A block comment runs to the end of the file.
struct Before {
  1: i32 x
}

/* this comment never ends
struct After {
  1: i32 y
}
