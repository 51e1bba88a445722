// A constant names an enum member that the enum does not have.
enum Colour {
  RED = 1,
  GREEN = 2
}
const Colour FAVOURITE = Colour.BLUE
