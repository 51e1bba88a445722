/** Recursive data through `&` reference fields, the way C++-generated IDLs spell boxing. */

namespace rs realworld.references

struct Expr {
  1: string op
  2: optional Expr & left
  3: optional Expr & right
  4: list<Expr> args
}

struct Graph {
  1: required Node & root
}

struct Node {
  1: i64 id
  2: list<Node> edges
  3: optional Graph & subgraph (cpp.ref_type = "shared")
}
