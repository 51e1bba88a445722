// An empty map constant written as an empty list.
const map<string, i32> LIMITS = []
