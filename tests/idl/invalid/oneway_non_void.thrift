// A oneway function cannot return a value: the caller never waits for one.
service Events {
  oneway i32 publish(1: string topic)
}
