// A service extends a service defined nowhere.
service Derived extends Missing {
  void run()
}
