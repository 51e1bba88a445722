"""Apache Thrift's Python client against idlc's generated processor (tests/tests/codegen_interop.rs).

The Rust test compiles idl-examples/tutorial/calculator.thrift with Debian's `thrift --gen py` and runs:

    codegen_calculator_rpc.py requests GEN_DIR DIR   writes DIR/<call>.<protocol>.request: the CALL (or ONEWAY)
                                                     message Apache's generated Calculator.Client sends
    codegen_calculator_rpc.py replies GEN_DIR DIR    reads each DIR/<call>.<protocol>.reply, which idlc's
                                                     CalculatorProcessor answered, with the same client, and
                                                     prints `<call> <protocol> ok` or `... MISMATCH ...`
    codegen_calculator_rpc.py serve GEN_DIR PROTOCOL  answers the one request on stdin with Apache's
                                                     generated Calculator.Processor, the reply on stdout
"""

import os
import sys

from thrift.protocol import TBinaryProtocol, TCompactProtocol, TJSONProtocol
from thrift.Thrift import TApplicationException, TMessageType
from thrift.transport import TTransport

PROTOCOLS = {
    "binary": TBinaryProtocol.TBinaryProtocol,
    "compact": TCompactProtocol.TCompactProtocol,
    "json": TJSONProtocol.TJSONProtocol,
}


def calls():
    """Per call: how the client sends it, and how its reply is read and checked (None for oneway)."""
    from calculator import Calculator
    from calculator.ttypes import InvalidOperation, Operation, Work
    from shared.ttypes import SharedStruct

    def expect_value(expected, receive):
        def check(client, iprot):
            got = receive(client)
            return None if got == expected else "got %r, expected %r" % (got, expected)

        return check

    def expect_invalid_operation(client, iprot):
        try:
            got = client.recv_calculate()
        except InvalidOperation as error:
            expected = InvalidOperation(whatOp=Operation.DIVIDE, why="cannot divide by zero")
            return None if error == expected else "got %r, expected %r" % (error, expected)
        return "no exception, got %r" % (got,)

    def expect_unknown_method(client, iprot):
        name, mtype, seqid = iprot.readMessageBegin()
        if (name, mtype, seqid) != ("multiply", TMessageType.EXCEPTION, 77):
            return "reply header %r" % ((name, mtype, seqid),)
        error = TApplicationException()
        error.read(iprot)
        iprot.readMessageEnd()
        if error.type != TApplicationException.UNKNOWN_METHOD:
            return "application exception %r" % (error,)
        return None

    def send_unknown(client, oprot):
        oprot.writeMessageBegin("multiply", TMessageType.CALL, 77)
        Calculator.add_args(num1=6, num2=7).write(oprot)
        oprot.writeMessageEnd()

    return {
        "ping": (lambda c, o: c.send_ping(), expect_value(None, lambda c: c.recv_ping())),
        "add": (lambda c, o: c.send_add(-5, 2147483647), expect_value(2147483642, lambda c: c.recv_add())),
        "calculate": (
            lambda c, o: c.send_calculate(9, Work(first=20, second=6, op=Operation.SUBTRACT, comment="c")),
            expect_value(14, lambda c: c.recv_calculate()),
        ),
        "calculate_throws": (
            lambda c, o: c.send_calculate(10, Work(first=1, second=0, op=Operation.DIVIDE)),
            expect_invalid_operation,
        ),
        "get_struct": (
            lambda c, o: c.send_getStruct(9),
            expect_value(SharedStruct(key=9, value="logged 9"), lambda c: c.recv_getStruct()),
        ),
        "zip": (lambda c, o: c.send_zip(), None),
        "unknown_method": (send_unknown, expect_unknown_method),
    }


class Handler:
    """What the Rust client's calls expect from the server (see `rust_client_to_python_processor`)."""

    def ping(self):
        pass

    def add(self, num1, num2):
        return num1 + num2

    def calculate(self, logid, w):
        from calculator.ttypes import InvalidOperation, Operation

        if w.op == Operation.SUBTRACT:
            return w.first - w.second
        if w.op == Operation.DIVIDE and w.second == 0:
            raise InvalidOperation(whatOp=w.op, why="cannot divide by zero")
        # Anything else is an undeclared failure, which Apache's processor answers with INTERNAL_ERROR.
        raise ValueError("not needed by this test")

    def zip(self):
        pass

    def getStruct(self, key):
        from shared.ttypes import SharedStruct

        return SharedStruct(key=key, value="logged %d" % key)


def serve(protocol):
    import logging

    from calculator import Calculator

    # The processor logs the handler's undeclared exception; the Rust side only needs the reply.
    logging.disable(logging.CRITICAL)
    request = TTransport.TMemoryBuffer(sys.stdin.buffer.read())
    reply = TTransport.TMemoryBuffer()
    factory = PROTOCOLS[protocol]
    Calculator.Processor(Handler()).process(factory(request), factory(reply))
    sys.stdout.buffer.write(reply.getvalue())


def main():
    command, gen_dir, data_dir = sys.argv[1:4]
    sys.path.insert(0, gen_dir)
    if command == "serve":
        serve(data_dir)
        return
    from calculator import Calculator

    all_calls = calls()
    if command == "requests":
        os.makedirs(data_dir, exist_ok=True)
        for name, (send, _) in all_calls.items():
            for protocol, factory in PROTOCOLS.items():
                transport = TTransport.TMemoryBuffer()
                oprot = factory(transport)
                send(Calculator.Client(oprot, oprot), oprot)
                with open(os.path.join(data_dir, "%s.%s.request" % (name, protocol)), "wb") as out:
                    out.write(transport.getvalue())
    elif command == "replies":
        for file_name in sorted(os.listdir(data_dir)):
            if not file_name.endswith(".reply"):
                continue
            name, protocol, _ = file_name.split(".")
            check = all_calls[name][1]
            with open(os.path.join(data_dir, file_name), "rb") as source:
                iprot = PROTOCOLS[protocol](TTransport.TMemoryBuffer(source.read()))
            try:
                problem = check(Calculator.Client(iprot, iprot), iprot)
            except Exception as error:  # reported to the Rust side, which fails the test
                problem = "reading the reply failed: %r" % (error,)
            print("%s %s %s" % (name, protocol, "ok" if problem is None else "MISMATCH " + problem))
    else:
        sys.exit("unknown command %r" % command)


if __name__ == "__main__":
    main()
