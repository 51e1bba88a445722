// A file with a mistake for the error tests.

struct Broken {
  1: i32 a,
  1: string b
}
