// The struct's closing brace is missing.
struct Open {
  1: i32 x
  2: i32 y

service After {
  void ping()
}
