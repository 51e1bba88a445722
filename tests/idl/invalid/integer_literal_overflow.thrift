// The literal does not fit in 64 bits, whatever the declared type.
const i64 HUGE = 99999999999999999999
