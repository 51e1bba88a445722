// A namespace for a language no generator exists for (a typo of `java`).
namespace jave com.example.shop
namespace py shop

struct Item {
  1: string name
}
