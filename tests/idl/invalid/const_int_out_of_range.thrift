// 300 does not fit in an i8.
const i8 SMALL = 300
