// Two definitions share one name.
struct Account {
  1: string owner
}

struct Account {
  1: i64 balance
}
