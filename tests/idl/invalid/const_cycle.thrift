// Two constants are defined as each other.
const i32 FIRST = SECOND
const i32 SECOND = FIRST
