/** Constants built from other constants and from enum members, as configuration files tend to be. */

namespace rs realworld.consts

enum Region {
  EU_WEST = 1,
  EU_CENTRAL = 2,
  US_EAST = 10,
  AP_SOUTH = 20
}

const i32 SECOND_MS = 1000
const i32 MINUTE_MS = 60000
const i32 DEFAULT_TIMEOUT_MS = MINUTE_MS
const i64 LONG_TIMEOUT_MS = DEFAULT_TIMEOUT_MS
const Region HOME_REGION = Region.EU_WEST
const list<Region> ROLLOUT_ORDER = [Region.EU_WEST, Region.EU_CENTRAL, Region.US_EAST, 20]
const set<i32> RETRY_DELAYS_MS = [SECOND_MS, 5000, DEFAULT_TIMEOUT_MS]
const map<Region, string> ENDPOINTS = {
  Region.EU_WEST: "https://eu-west.example.com",
  Region.US_EAST: "https://us-east.example.com",
}
const map<string, i32> TIMEOUTS = {"default": DEFAULT_TIMEOUT_MS, "short": SECOND_MS}

/** A struct whose defaults point at the constants above. */
struct ClientConfig {
  1: Region region = Region.EU_WEST
  2: i32 timeout_ms = DEFAULT_TIMEOUT_MS
  3: list<Region> failover = ROLLOUT_ORDER
  4: map<string, i32> timeouts = TIMEOUTS
}

/** A struct constant whose fields are constants too. */
const ClientConfig DEFAULT_CONFIG = {
  "region": Region.US_EAST,
  "timeout_ms": SECOND_MS,
  "failover": [Region.US_EAST, Region.EU_WEST],
}
