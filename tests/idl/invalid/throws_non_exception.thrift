// A throws clause names a struct, not an exception.
struct Problem {
  1: string message
}

service Worker {
  void work() throws (1: Problem problem)
}
