// senum is deprecated: idlc reads it as a string type and warns.
senum Planet {
  "mercury",
  "venus",
  "earth"
}

struct Probe {
  1: Planet destination
}
