// Fields and arguments without ids get negative ones, which is legal but fragile: warn.
struct Legacy {
  string name
  i32 age
  3: bool active
}

service LegacyService {
  void store(Legacy record, bool overwrite)
}
