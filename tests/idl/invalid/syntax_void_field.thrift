// void is only a return type, never a field type.
struct Nothing {
  1: void nothing
}
