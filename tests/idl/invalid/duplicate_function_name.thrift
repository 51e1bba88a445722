// A service declares the same function twice.
service Clock {
  i64 now(),
  i64 now()
}
