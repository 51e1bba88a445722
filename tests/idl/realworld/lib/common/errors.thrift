/** Errors every service may raise; included from types.thrift in the same folder. */

namespace rs common.errors

/** Broad classes of failure. */
enum ErrorKind {
  INVALID_ARGUMENT = 1,
  NOT_FOUND = 2,
  UNAVAILABLE = 3
}

/** The one exception shape shared across services. */
exception ServiceError {
  1: required ErrorKind kind
  2: string message
  3: map<string, string> details
}
