/**
 * Definitions that kitchen_sink.thrift reaches through `include`, always with
 * the `base.` prefix.
 */

namespace * kitchen.base
namespace rs kitchen_base
namespace java org.example.kitchen.base

/** Where a record came from. */
enum Origin {
  /** Typed in by a person. */
  MANUAL = 1,
  /** Imported from another system. */
  IMPORTED = 2,
  /** Produced by this system itself. */
  DERIVED = 3
}

/** Seconds since the Unix epoch. */
typedef i64 Timestamp

/** The largest page a listing call returns. */
const i32 MAX_PAGE = 500

/** Identifies a record across systems. */
struct RecordId {
  1: required string realm
  2: required i64 serial
}

/** Who touched a record, and when. */
struct Audit {
  1: optional string actor
  2: Timestamp at = 0
  3: Origin origin = Origin.MANUAL
}

/** Raised when the caller may not do what it asked. */
exception Forbidden {
  1: string reason
}

/** Health checks every service of the example inherits. */
service Monitored {
  /** Answers with the server's build string. */
  string version(),
  /** Lets the caller know the server is alive; returns nothing. */
  void ping()
}
