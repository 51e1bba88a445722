// A service extends a struct.
struct Base {
  1: i32 x
}

service Derived extends Base {
  void run()
}
