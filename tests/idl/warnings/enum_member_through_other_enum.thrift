// Enum values qualified by another enum. Apache Thrift looks the member name
// up in the enum the value must have and ignores the qualifier, so `Size.LARGE`
// for a `Priority` means `Priority.LARGE` (3), not `Size.LARGE` (30), and
// `Size.URGENT` means `Priority.URGENT` although `Size` has no such member.
enum Priority {
  SMALL = 1,
  LARGE = 3,
  URGENT = 4
}

enum Size {
  SMALL = 10,
  LARGE = 30
}

const Priority ESCALATED = Size.URGENT

struct Ticket {
  1: Priority priority = Size.LARGE
  2: list<Priority> history = [Priority.SMALL, Size.SMALL]
  3: map<Size, Priority> by_size = {Size.LARGE: Size.URGENT}
}
