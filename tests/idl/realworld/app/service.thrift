/**
 * An application service whose includes live in another directory: the
 * compiler finds "common/types.thrift" through the include path, not next to
 * this file.
 */

include "common/types.thrift"
include "common/errors.thrift"

namespace rs app.billing

/** One line of an invoice. */
struct LineItem {
  1: required string sku
  2: required types.Money price
  3: i32 quantity = 1
}

/** An invoice as the billing service stores it. */
struct Invoice {
  1: required i64 id
  2: list<LineItem> items
  3: types.Currency currency = types.Currency.EUR
  4: optional types.Money total
}

/** Billing, throwing an exception declared two includes away. */
service Billing {
  Invoice get(1: i64 id) throws (1: errors.ServiceError failure),
  list<Invoice> page(1: types.Page page) throws (1: types.Failure failure),
  oneway void recompute(1: i64 id)
}
