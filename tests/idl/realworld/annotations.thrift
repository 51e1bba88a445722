/** Annotations the way code generators for several languages spell them, escaped quotes included. */

namespace rs realworld.annotations

typedef i64 (js.type = "BigInt") Timestamp

struct Event {
  1: string name (go.tag = "json:\"name,omitempty\" db:\"event_name\"")
  2: Timestamp at (java.annotations = '@JsonFormat(pattern = "yyyy")', doc = 'it\'s UTC')
  3: map<string, string> (cpp.template = "std::unordered_map") labels
  4: optional binary payload (python.type = "bytes";)
} (
  go.name = "EventRecord",
  rust.derive = "PartialEq, Eq, Hash";
  sql.table = "events"
)

enum Severity {
  INFO = 1 (label = "Info \"i\""),
  ERROR = 2 (label = "Error")
} (cpp.enum_type = "uint8_t")

service Events {
  void emit(1: Event event (validate = "true")) (timeout_ms = "250"; idempotent)
} (http.path = "/events")
