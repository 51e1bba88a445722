/**
 * Deprecated forms idlc still reads, with a warning: `senum` (an enum of
 * strings) and `slist` (an old name for string). Apache Thrift 0.17 rejects
 * both, which is why they are kept apart from kitchen_sink.thrift.
 */

namespace rs kitchen_deprecated

/** Read as a set of allowed strings; generated code uses a plain string. */
senum Fruit {
  "apple",
  "banana";
  "cherry"
}

/** Fields of the deprecated types. */
struct Basket {
  1: Fruit favourite
  2: slist notes
  3: list<Fruit> contents
}
