// A union holds one member; two of them cannot both be the default.
union Choice {
  1: i32 number = 1
  2: string text = "one"
}
