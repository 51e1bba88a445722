// Two typedefs name each other, so neither resolves to a real type.
typedef Second First
typedef First Second

struct User {
  1: First value
}
