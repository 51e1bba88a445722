// A field's type names a service.
service Store {
  void put(1: string key)
}

struct Holder {
  1: Store store
}
