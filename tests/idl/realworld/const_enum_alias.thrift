/**
 * An enum-typed constant defined as another enum-typed constant. Newer
 * compilers follow the reference; Apache Thrift 0.17 insists on a qualified
 * enum member here.
 */

namespace rs realworld.const_enum_alias

enum Region {
  EU_WEST = 1,
  US_EAST = 10
}

const Region HOME_REGION = Region.EU_WEST
const Region FALLBACK_REGION = HOME_REGION
const list<Region> ORDER = [HOME_REGION, Region.US_EAST]
