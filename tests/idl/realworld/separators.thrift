/**
 * Punctuation the way hand-written IDLs really use it: trailing separators,
 * `;` and `,` mixed, lists without separators, no spaces at all, leading
 * zeros, and namespace scopes other compilers define.
 */

namespace java.swift com.example.separators
namespace py.twisted example.separators
namespace unknown_language example.separators
namespace rs realworld.separators

enum Flag { ON = 01, OFF = 00, }

const list<string> WORDS = ["alpha" "beta"; "gamma",]
const map<string, i32> SCORES = {"a": 1; "b": 2 "c": 3,}
const i32 PADDED = 007

struct Tight{1:i32 a,2:string b;3:list<i32>c}

exception Oops { 1: string why; }
typedef Oops Alias

/** A field may share its name with its type. */
struct Named {
  1: Tight Tight,
  2: Flag Flag;
}

service Punctuated {
  void trailing(1: i32 a, 2: i32 b,),
  void nothrow() throws (),
  void typedef_thrown() throws (1: Alias alias);
  i32 defaulted(1: i32 limit = 10, 2: required string key),
}
