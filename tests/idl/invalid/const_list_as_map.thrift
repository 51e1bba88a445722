// A list constant written as a map.
const list<i32> PORTS = {80: 443}
