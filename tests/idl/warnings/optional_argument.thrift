// `optional` has no effect on a function argument: warn.
service Search {
  list<string> find(1: string query, 2: optional i32 limit)
}
