// An enum member is used without its enum's name.
enum Colour {
  RED = 1,
  GREEN = 2
}

const Colour FAVOURITE = RED
