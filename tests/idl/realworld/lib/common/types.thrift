/**
 * Types shared by several services, kept in a library folder that callers
 * reach through an include path (`-I tests/idl/realworld/lib`).
 */

include "errors.thrift"

namespace rs common.types
namespace java com.example.common.types

/** Money in minor units, never floating point. */
struct Money {
  1: required i64 amount_minor
  2: required string currency = "EUR"
}

/** Paging shared by every listing call. */
struct Page {
  1: i32 offset = 0
  2: i32 limit = 100
}

/** Supported currencies. */
enum Currency {
  EUR = 978,
  USD = 840,
  JPY = 392
}

/** A failure any service may raise, re-exported from errors.thrift. */
typedef errors.ServiceError Failure
