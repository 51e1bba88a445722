// A file that does not parse, for the error tests.

struct Unfinished {
  1: i32 a
  2: string
}
