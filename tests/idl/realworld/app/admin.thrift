/**
 * Reaches the shared library by a relative path from this file's directory
 * instead of through the include path, and extends a service from another file.
 */

include "../lib/common/types.thrift"
include "service.thrift"

namespace rs app.admin

/** Administration on top of billing. */
service BillingAdmin extends service.Billing {
  /** Voids an invoice, refunding the given amount. */
  void void_invoice(1: i64 id, 2: types.Money refund)
}
