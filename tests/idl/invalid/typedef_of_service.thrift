// A typedef names a service, which is not a type.
service Store {
  void put(1: string key)
}

typedef Store StoreAlias
