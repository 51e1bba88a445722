// A field lists an id and a name but no type.
struct Incomplete {
  1: name
}
