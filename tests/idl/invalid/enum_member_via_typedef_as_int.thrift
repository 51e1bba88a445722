// An enum member named through a typedef where an integer is expected.
enum Colour {
  RED = 1,
  GREEN = 2
}

typedef Colour Tone

const i32 RED_CODE = Tone.RED
