// An enum member named without its enum where the type is a typedef of the enum.
enum Colour {
  RED = 1,
  GREEN = 2
}

typedef Colour Tone

const Tone WARNING_TONE = RED
