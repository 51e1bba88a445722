// Two fields of one struct share an id.
struct Profile {
  1: string name
  2: string email
  2: i32 age
}
