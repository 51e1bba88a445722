// A value qualified by another enum whose member the expected enum lacks.
enum Priority {
  LOW = 1,
  HIGH = 2
}

enum Size {
  SMALL = 10,
  HUGE = 40
}

struct Ticket {
  1: Priority priority = Size.HUGE
}
