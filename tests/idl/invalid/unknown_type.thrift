// A field names a type that is defined nowhere.
struct Order {
  1: i64 id
  2: Customer buyer
}
