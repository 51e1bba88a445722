/**
 * Every construct of the IDL in one file, so the parser, the checks and the
 * code generator all meet each of them at least once.
 *
 * Apache Thrift 0.17 accepts this file; what it does not know (uuid, newer
 * reserved names, senum/slist) lives in the other files of this folder.
 */

include "base.thrift"
cpp_include "<unordered_map>"
cpp_include "kitchen/extra.h"

namespace * kitchen
namespace rs kitchen_sink
namespace py kitchen.sink
namespace java org.example.kitchen
namespace cpp kitchen.sink
namespace go kitchen
namespace netstd Example.Kitchen

// ---------------------------------------------------------------------------
// Comments: line comments like this one,
# shell-style comments like this one,
/* block comments on one line, */
/*
 * and block comments over several lines, with stray * and / inside: a */
/** Doc comments attach to the definition that follows. */
// ---------------------------------------------------------------------------

// ---- typedefs -------------------------------------------------------------

/** A typedef of a base type. */
typedef i64 UserId
/** A typedef of a container. */
typedef list<string> Tags
/** A typedef of a typedef. */
typedef UserId OwnerId
/** A typedef of a type from an include. */
typedef base.Timestamp When
/** A typedef carrying annotations on both sides. */
typedef string (python.type = "str") Label (rs.derive = "Hash")
/** A typedef of a binary blob. */
typedef binary Blob

// ---- enums ----------------------------------------------------------------

/** Explicit, implicit, negative and hex values, with annotations. */
enum Shade {
  /** Below zero on purpose. */
  DARK = -1,
  /** Takes the next value after DARK: 0. */
  DIM,
  LIGHT = 0x10 (note = "hex"),
  /** Takes 17. */
  BRIGHT;
  BLINDING = 100 (note = "semicolon-separated list"; level = "max")
} (rs.repr = "i32", doc.note = "enum annotations")

/** Two names for one value (aliases are allowed). */
enum Status {
  ACTIVE = 1,
  ENABLED = 1,
  RETIRED = 2
}

/** An enum with nothing in it. */
enum Nothing {}

// ---- constants ------------------------------------------------------------

const i8 TINY = -128
const byte ALSO_TINY = 127
const i16 SMALL = -32768
const i32 HEX_MASK = 0x7FFFFFFF
const i32 NEGATIVE = -42
const i32 NEGATIVE_HEX = -0x10
const i64 PLUS_SIGN = +7
const i64 BIG = 9223372036854775807
const i64 BIG_HEX = 0xFFFFFFFF
const double PI = 3.14159
const double AVOGADRO = 6.02214076e23
const double PLANCK = 6.62607015E-34
const double WHOLE = 2
const double NEG_EXP = -1.5e+3
const bool YES = true
const bool NO = false
const bool NUMERIC_TRUE = 1
const string DOUBLE_QUOTED = "say \"hello\"\tand \\ goodbye\n"
const string SINGLE_QUOTED = 'it\'s fine to "nest" quotes'
const string EMPTY = ""
const string UNICODE = "café ☃ — non-ASCII text needs no escapes"
const binary BLOB_CONST = "raw bytes"
const Shade DEFAULT_SHADE = Shade.LIGHT
const Shade ALSO_SHADE = 17
const base.Origin IMPORTED_ORIGIN = base.Origin.IMPORTED
const i32 PAGE = base.MAX_PAGE
const i32 PAGE_AGAIN = PAGE
const UserId ROOT_USER = 1
const Tags DEFAULT_TAGS = ["alpha", "beta"; "gamma"]
const list<i32> PRIMES = [2, 3, 5, 7, 11]
const list<double> MIXED_NUMBERS = [1, 2.5, -3e2]
const set<string> COLOURS = ["red", "green", "blue"]
const map<string, i32> LIMITS = {"low": 1, "high": HEX_MASK; "page": base.MAX_PAGE}
const map<Shade, string> SHADE_NAMES = {Shade.DARK: "dark", Shade.LIGHT: "light"}
const map<i32, list<string>> NESTED = {1: ["one"], 2: ["two", "deux"], 3: []}
const map<string, map<string, i64>> DEEP = {"outer": {"inner": -1}}
const list<map<string, set<i32>>> DEEPER = [{"a": [1, 2]}, {}]
const base.RecordId ROOT_RECORD = {"realm": "system", "serial": 0}
const base.Audit FIRST_AUDIT = {"actor": "init", "at": 1700000000, "origin": base.Origin.DERIVED}

// ---- structs, unions, exceptions ------------------------------------------

/** A plain struct. */
struct Point {
  1: double x
  2: double y
}

/** A struct made of structs. */
struct Segment {
  1: Point start
  2: Point end
}

/** Struct constants are written as maps from field name to value. */
const Point ORIGIN_POINT = {"x": 0.0, "y": 0.0}
const list<Point> TRIANGLE = [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 0, "y": 1}]
/** Nested struct constants nest the maps. */
const Segment DIAGONAL = {"start": {"x": 0, "y": 0}, "end": {"x": 1.5, "y": -1.5e1}}

/** Every base type, with defaults. */
struct AllBaseTypes {
  1: bool flag = true
  2: byte octet = 7
  3: i8 small = -8
  4: i16 short_number = 16
  5: i32 number = HEX_MASK
  6: i64 long_number = BIG
  7: double real = 1.5e3
  8: string text = "text"
  9: binary data = "bytes"
  10: Shade shade = Shade.DIM
}

/** Requiredness: required, optional and the default in between. */
struct Requiredness {
  1: required i32 must
  2: optional i32 may
  3: i32 usually
  4: required string named = "anonymous"
  5: optional list<i32> maybe_numbers = [1, 2]
}

/** Fields without ids get negative ones, counting down from -1 (with a warning). */
struct ImplicitIds {
  i32 first
  string second
  3: i32 third
}

/** Containers in containers, with annotations on the container types. */
struct Containers {
  1: list<i32> numbers
  2: set<string> names
  3: map<string, i64> counts
  4: list<list<i32>> matrix
  5: map<string, list<map<i32, set<string>>>> tangled
  6: map<base.RecordId, base.Audit> audits
  7: list<Point> (python.immutable = "") points
  8: set<Shade> shades
  9: map cpp_type "std::unordered_map<std::string, int32_t>" <string, i32> fast_lookup
  10: list<i32> cpp_type "std::deque<int32_t>" queue
  11: set cpp_type "std::unordered_set<int64_t>" <i64> seen
  12: list<binary> blobs
  13: Tags tags = DEFAULT_TAGS
}

/** Struct-valued defaults, given as maps. */
struct Defaults {
  1: Point where = {"x": 1.0, "y": 2.0}
  2: list<Point> path = [{"x": 0, "y": 0}, {"x": 3, "y": 4}]
  3: base.Audit audit = {"actor": "default", "origin": base.Origin.IMPORTED}
  4: map<Shade, string> names = SHADE_NAMES
  5: Shade shade = 0x10
  6: set<i32> empty_set = []
  7: map<string, string> empty_map = {}
}

/** Self-referential and mutually recursive types through `&` references. */
struct TreeNode {
  1: string label
  2: optional TreeNode & left (cpp.ref_type = "shared")
  3: optional TreeNode & right
  4: list<TreeNode> children
  5: optional Forest & forest
}

/** The other half of the recursion above. */
struct Forest {
  1: list<TreeNode> trees
}

/** An empty struct. */
struct Empty {}

/** A union: at most one field is set. */
union Value {
  1: i64 integer
  2: double real
  3: string text
  4: binary raw
  5: list<Value> items
  6: map<string, Value> fields
  7: Empty nothing
}

/** A union with a default on one field. */
union Choice {
  1: i32 number = 5
  2: string word
}

/** An empty union. */
union NoChoice {}

/** An exception with every requiredness and a doc comment on each field. */
exception NotFound {
  /** What was looked up. */
  1: required string key
  /** Extra words for a person to read. */
  2: optional string message
  /** When it was looked up. */
  3: When at
}

/** An exception that carries another struct. */
exception Conflict {
  1: base.RecordId existing
  2: Value attempted
}

/** XSD markers Apache Thrift still parses (they only matter to its XSD generator). */
struct XsdMarked xsd_all {
  1: i32 plain
  2: optional string soft xsd_optional
  3: string nullable xsd_nillable
  4: string decorated xsd_optional xsd_nillable xsd_attrs {
    1: string lang
    2: i32 weight
  }
}

/** Field names that are keywords in Rust (names Thrift itself reserves are in newer_syntax.thrift). */
struct Awkward {
  1: string type
  2: i32 fn
  3: bool match
  4: i64 impl
  5: string mod
  6: string crate
  7: string where
  8: i32 loop
  9: string trait
  10: string move
  11: string ref
  12: string mut
  13: string dyn
  14: string let
  15: string unsafe
  16: string extern
}

/** A struct whose name is a Rust keyword. */
struct type {
  1: i32 match
  2: Awkward loop
}

/** Annotations on the struct, a field, and a field's type, separated by `,` and `;`. */
struct Annotated {
  1: string (rs.type = "Box<str>") name (serde.rename = "n", deprecated = "use label");
  2: i32 count (range = "0..10"; unit = 'items'),
  3: Label label (quoted = "a \"quote\" inside", single = 'and \'one\' here')
} (rs.derive = "Hash, Eq"; table = "annotated", marker)

// ---- services -------------------------------------------------------------

/** A service with every kind of function, extending one from the include. */
service Catalogue extends base.Monitored {
  /** Plain call with arguments of several kinds. */
  Point locate(1: string name, 2: optional Shade shade, 3: list<i32> hints)

  /** A void call that declares exceptions from here and from the include. */
  void remove(1: required base.RecordId id) throws (1: NotFound missing, 2: base.Forbidden denied);

  /** Returns a typedef, a container and a struct from the include. */
  When touched(1: UserId who),
  map<string, list<Point>> regions(),
  base.Audit audit(1: base.RecordId id, 2: When since = 0) throws (1: NotFound missing),

  /** Fire and forget. */
  oneway void log(1: string line, 2: Shade level),

  /** Implicit argument ids. */
  i32 count(string prefix, bool exact)

  /** Annotated function and argument, semicolon-separated. */
  Value fetch(1: string key (idempotent = "true")) throws (1: NotFound missing, 2: Conflict clash) (cached = "60s"; priority = "high")

  /** Names of Rust keywords as function and argument names. */
  type match(1: i32 loop, 2: string fn)
} (owner = "catalogue-team", version = "2")

/** A service that extends one in this file, which itself extends the include. */
service Archive extends Catalogue {
  /** Returns the archived tree. */
  TreeNode tree(1: base.RecordId root) throws (1: NotFound missing)
}

/** A service with nothing in it. */
service Idle {}

/** A service that extends straight from the include and adds nothing. */
service Mirror extends base.Monitored {}
