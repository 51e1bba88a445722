// Two fields of one struct share a name.
struct Profile {
  1: string name
  2: string name
}
