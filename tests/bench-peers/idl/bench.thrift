// The three messages of runtime/benches/messages, as IDL, so every implementation compiled from this file
// encodes the same shapes with the same field ids and types.

enum Player {
  JAVA = 0,
  FLASH = 1,
}

enum Size {
  SMALL = 0,
  LARGE = 1,
}

struct Small {
  1: required i32 id,
  2: i64 timestamp,
  3: required string name,
  4: bool active,
  5: double score,
}

struct Image {
  1: required string uri,
  2: optional string title,
  3: required i32 width,
  4: required i32 height,
  5: required Size size,
}

/// The media record of the classic JVM serializer benchmark (the "medium" message).
struct Media {
  1: required string uri,
  2: optional string title,
  3: i32 width,
  4: i32 height,
  5: string format,
  6: i64 duration,
  7: i64 size,
  8: optional i32 bitrate,
  9: list<string> persons,
  10: Player player,
  11: optional string copyright,
  12: required Image thumbnail,
  13: required Image poster,
  // BTreeMap in every implementation (pilota defaults to a hash map), so all three write the entries in the
  // same order and the encodings can be compared byte for byte.
  14: map<string, string> attributes (pilota.rust_type = "btree"),
}

struct Large {
  1: list<i64> values,
  2: binary blob,
  3: list<Small> items,
}
