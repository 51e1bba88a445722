/**
 * Empty containers written either way: `{}` for an empty set or list and `[]`
 * for an empty map, as Apache Thrift reads them.
 */

namespace rs realworld.empty_containers

typedef set<i64> IdSet

const set<string> NO_TAGS = {}
const list<i32> NO_PORTS = {}
const map<string, i32> NO_LIMITS = []
const IdSet NO_IDS = {}
const list<set<i32>> GROUPS = [{}, [1, 2]]

/** Defaults that start out empty. */
struct Filter {
  1: optional set<binary> digests = {}
  2: list<string> names = {}
  3: set<i32> codes = []
  4: map<string, string> labels = []
  5: IdSet owners = {}
}
