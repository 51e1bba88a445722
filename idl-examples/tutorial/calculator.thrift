/**
 * A small calculator service: the running example of the idlc tutorial.
 *
 * It shows the everyday constructs of the IDL: an include, typedefs,
 * constants, an enum, a struct with default values, an exception, and a
 * service that extends another one and declares a oneway call.
 */

// Everything in shared.thrift is reachable as `shared.<Name>`.
include "shared.thrift"

namespace rs calculator
namespace py calculator
namespace java org.example.calculator
namespace cpp example.calculator

# Shell-style comments are accepted too.

/** Operands are plain 32-bit signed integers. */
typedef i32 Operand

/** A result is the same width as the operands. */
typedef i32 Answer

/** The answer the calculator gives when it has nothing better to say. */
const i32 DEFAULT_ANSWER = 42

/** Friendly names for the operations, as a client might show them. */
const map<string, string> OPERATION_SYMBOLS = {
  "ADD": "+",
  "SUBTRACT": "-",
  "MULTIPLY": "*",
  "DIVIDE": "/"
}

/** What `calculate` should do with its two operands. */
enum Operation {
  ADD = 1,
  SUBTRACT = 2,
  MULTIPLY = 3,
  DIVIDE = 4
}

/**
 * One unit of work for the calculator.
 *
 * `first` defaults to zero so a client may leave it out; `comment` is
 * optional and is only echoed back in logs.
 */
struct Work {
  1: Operand first = 0
  2: Operand second
  3: Operation op = Operation.ADD
  4: optional string comment
}

/** Raised when a piece of work cannot be carried out (for example, division by zero). */
exception InvalidOperation {
  /** The operation that was asked for, as its numeric value. */
  1: i32 whatOp
  /** Why it failed, in words. */
  2: string why
}

/** The calculator itself. It also answers `getStruct` from SharedService. */
service Calculator extends shared.SharedService {

  /** Checks that the server is alive. */
  void ping(),

  /** Adds two numbers. */
  Answer add(1: Operand num1, 2: Operand num2),

  /**
   * Carries out `w` and remembers the result under `logid`.
   *
   * Throws InvalidOperation when the operation is unknown or divides by zero.
   */
  Answer calculate(1: i32 logid, 2: Work w) throws (1: InvalidOperation ouch),

  /** Tells the server to tidy up; the client does not wait for an answer. */
  oneway void zip()
}
