// Includes and namespaces must come before the first definition.
struct First {
  1: i32 x
}

namespace rs too_late
