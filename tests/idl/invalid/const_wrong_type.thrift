// A string is given where an i32 is declared.
const i32 RETRIES = "three"
