/** The old `cpp_type` forms still found in long-lived IDLs. */

cpp_include "<unordered_map>"
cpp_include "<unordered_set>"

typedef map cpp_type "std::unordered_map<std::string, int64_t>" <string, i64> Counters

struct Index {
  1: map cpp_type "std::unordered_map<int64_t, std::string>" <i64, string> by_id
  2: set cpp_type "std::unordered_set<std::string>" <string> names
  3: list<i32> cpp_type "std::vector<int32_t>" ordered
  4: Counters counters
  5: list<map cpp_type "folly::F14FastMap<int32_t, int32_t>" <i32, i32>> shards
}
