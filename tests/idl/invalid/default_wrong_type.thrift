// A field's default value does not match the field's type.
struct Settings {
  1: bool verbose = "yes please"
}
