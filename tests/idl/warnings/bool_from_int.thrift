// Integers other than 0 and 1 for bool constants.
const bool ENABLED = 2
const bool DISABLED = -1
