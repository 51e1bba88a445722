include "shared.thrift"

/** Arithmetic operations. */
enum Op {
  ADD = 1
  SUBTRACT = 2
  DIVIDE = 3
}

/** One operation on two operands. */
struct Work {
  1: i32 left
  2: i32 right
  3: Op op = Op.ADD
  4: optional string note
}

exception DivideByZero {
  1: string message
}

/** A calculator that remembers its last result. */
service Calculator extends shared.Store {
  void ping()
  i32 add(1: i32 a, 2: i32 b)
  i32 calculate(1: Work work) throws (1: DivideByZero ouch)
  oneway void forget()
}

service Other {
  void nothing()
}
