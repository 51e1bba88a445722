/**
 * Syntax that newer Thrift compilers (and idlc) accept but Apache Thrift 0.17
 * rejects: the uuid type, keywords as field names, the prefix
 * form of `list cpp_type`, constants used before their type is defined, and
 * names Thrift 0.17 reserves for its other target languages.
 */

include "base.thrift"

namespace rs kitchen_newer

/** Constants may name a struct that is defined further down. */
const Sample FIRST_SAMPLE = {"id": "00000000-0000-0000-0000-000000000001", "note": "first"}

/** A struct-typed default may name a constant. */
const base.Audit DEFAULT_AUDIT = {"actor": "system"}

/** The 16-byte uuid type. */
typedef uuid RequestId

/** uuid as a field, a container element, a map key and a default. */
struct Sample {
  1: uuid id
  2: optional list<uuid> related
  3: map<uuid, string> labels
  4: string note = "none"
  5: base.Audit audit = DEFAULT_AUDIT
  6: list cpp_type "std::deque<int32_t>" <i32> queue
}

/** Field names that are keywords of the IDL itself. */
struct KeywordFields {
  1: string string
  2: i32 i32
  3: binary binary
  4: list<string> list
  5: map<string, string> map
  6: set<i32> set
  7: bool bool
  8: double double
  9: string include
  10: string namespace
  11: string required
  12: string optional
  13: string enum
  14: string struct
  15: string service
  16: string exception
  17: string oneway
  18: string void
  19: string const
  20: uuid uuid
}

/** Names Rust escapes as raw identifiers or renames; Thrift 0.17 reserves some of them. */
struct self {
  1: i32 super
  2: string use
  3: bool in
  4: i32 for
  5: string as
  6: string static
  7: string yield
  8: string try
  9: string Self
  10: string async
}

/** Functions and arguments with uuid and reserved names. */
service Lookup {
  Sample byId(1: uuid id, 2: RequestId request),
  void binary(1: binary string),
  self super(1: i32 for)
}
