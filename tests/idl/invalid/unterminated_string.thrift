// A string literal is not closed before the end of the line.
const string GREETING = "hello
const i32 AFTER = 1
