// Two services extend each other.
service Left extends Right {
  void left()
}

service Right extends Left {
  void right()
}
