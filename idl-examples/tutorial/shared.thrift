/**
 * Definitions shared by every service of the calculator example.
 *
 * Other files pull this one in with `include "shared.thrift"` and refer to
 * its definitions with the `shared.` prefix.
 */

namespace rs shared
namespace py shared
namespace java org.example.shared
namespace cpp example.shared

/** A key/value record the calculator remembers between calls. */
struct SharedStruct {
  /** The slot this value was stored under. */
  1: i32 key
  /** What the client stored, as text. */
  2: string value
}

/** Lookup of remembered values, inherited by every service of the example. */
service SharedService {
  /** Returns the record stored under `key`. */
  SharedStruct getStruct(1: i32 key)
}
