// A map constant written as a list.
const map<i32, string> NAMES = [1, 2]
