// A name is reused across kinds: an enum and a service.
enum Mode {
  FAST = 1
}

service Mode {
  void run()
}
