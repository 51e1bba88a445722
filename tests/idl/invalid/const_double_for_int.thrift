// A fractional number is given for an integer type.
const i64 TIMEOUT_MS = 1.5
