// The IDL twins of the hand-written structs in tests/code_first.rs.

enum Mood {
  CALM = 1
  CROSS = 2
}

struct Inner {
  1: required i64 count
  2: optional list<string> tags
}

struct Everything {
  1: required bool flag
  2: required byte tiny
  3: required i16 small
  4: required i32 medium
  5: required i64 large
  6: required double real
  7: required string text
  8: required binary blob
  9: optional i32 maybe
  10: required list<i32> numbers
  11: required set<string> names
  12: required map<string, Inner> by_name
  13: optional Inner inner
  14: required Mood mood
  15: i32 plain
  20: required list<map<i16, set<i64>>> nested
}

union Shape {
  1: double circle
  2: Inner boxed
  3: list<string> names
  4: Mood mood
}

struct Palette {
  1: required Mood mood
  2: optional Mood maybe
  3: required list<Mood> moods
  4: required set<Mood> distinct
  5: required map<Mood, Inner> inner_by_mood
  6: required map<string, list<Mood>> by_name
  7: Mood plain
}

struct Mixed {
  1: required i32 whatOp
  2: required map<string, i32> byName
  3: required set<i32> seen
  4: required string type
  5: required set<Mood> camelCase
}

service Twins {
  Everything echo(1: Everything value)
}
