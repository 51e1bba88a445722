// A character that is no token of the language.
struct Point {
  1: i32 x @ 5
}
