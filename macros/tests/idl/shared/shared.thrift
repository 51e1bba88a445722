/** A keyed value, defined in an included file. */
struct Entry {
  1: i32 key
  2: string value
}

service Store {
  Entry get(1: i32 key)
}
