// Two arguments of one function share an id.
service Directory {
  string lookup(1: string name, 1: i32 limit)
}
