// One enum lists the same member name twice.
enum Level {
  LOW = 1,
  HIGH = 2,
  LOW = 3
}
