// A oneway function cannot declare exceptions: no reply ever carries them.
exception Rejected {
  1: string why
}

service Events {
  oneway void publish(1: string topic) throws (1: Rejected rejected)
}
