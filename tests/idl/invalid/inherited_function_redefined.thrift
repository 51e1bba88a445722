// A function takes the name of one its service inherits, from a grandparent.
service Base {
  void ping()
}

service Middle extends Base {
  void pong()
}

service Derived extends Middle {
  i32 ping(1: i32 times)
}
