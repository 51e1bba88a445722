"""Apache Thrift's Python server and client over real TCP sockets, against idlc's (tests/tests/rpc_interop.rs).

The Rust test compiles idl-examples/tutorial/calculator.thrift with Debian's `thrift --gen py` and runs:

    rpc_tcp_calculator.py serve GEN_DIR DIALECT [multiplexed] [plain-replies] [raw-header] [every-client]
                                [old-binary] [tls-cert=PEM tls-key=PEM [tls-client-ca=PEM]]
        serves Calculator (multiplexed: Calculator and SharedService, through TMultiplexedProcessor) with
        Apache's TThreadedServer on a free loopback port. Prints `port N` once it accepts connections, then
        `zip call=<value of the request's "call" header, or ->` for each oneway zip it receives, until killed.
        Over THeader it answers with the transforms the request used, as Apache's C++ server does, unless
        `plain-replies` asks for what Apache's Python server does: replies without transforms. With
        `every-client`, a THeader server also takes framed and unframed, binary and compact clients (Apache's
        `allowed_client_types`) and answers each in kind.
    rpc_tcp_calculator.py call GEN_DIR DIALECT PORT [multiplexed] [raw-header] [old-binary]
                               [tls-ca=PEM [tls-cert=PEM tls-key=PEM] [tls-server-name=NAME] [tls-refused]]
        calls the server at 127.0.0.1:PORT with Apache's generated clients (multiplexed: through
        TMultiplexedProtocol) and prints one verdict per check: `<check>: ok` or `<check>: FAIL <why>`.

TLS (Apache's TSSLSocket and TSSLServerSocket, over any dialect): a server given `tls-cert` and `tls-key` (PEM
files: its certificate chain and private key) serves over TLS; with `tls-client-ca` too, it requires a client
certificate signed by that CA, whose subjectAltName must also name the client's address, 127.0.0.1 (the check
TSSLServerSocket adds). A client given `tls-ca` (the CA it trusts) connects over TLS and checks the server's
certificate against `tls-server-name` (default: 127.0.0.1, the address it connects to); with `tls-cert` and
`tls-key` it presents a client certificate. With `tls-refused`, the client expects the server to refuse it: it
makes one ping instead of the checks and prints the single verdict `tls refused: ok` if the connection or the
ping failed (and `refused with <error, from its cause>` on stderr, such as OpenSSL's
`TLSV13_ALERT_CERTIFICATE_REQUIRED` or `CERTIFICATE_VERIFY_FAILED`), or `tls refused: FAIL the ping went
through`. A refused TLS 1.3 client only learns of the refusal on its first read, so the ping is part of the
check.

With `old-binary`, a binary client writes messages in the old, non-strict form (TBinaryProtocol's
strictWrite=False), which Apache's servers read by default; a binary server both reads and writes only that
form (strictRead=False, strictWrite=False), as an old peer would. With `raw-header`, every THeader message also
carries the header `raw: ff fe`, which is not UTF-8: Apache's THeader headers are bytes, so a peer must keep
serving such messages.

DIALECT is framed-binary, framed-compact, framed-json, unframed-binary, unframed-compact, unframed-json,
header-binary, header-compact or header-compact-zlib.

Both sides answer the same way. getStruct(key) returns SharedStruct(key, "<service> <key>"), where <service> is
the processor that served it, so a multiplexed call shows where it went; for a negative key, the value is
"<service> " and then -key dots, a reply as long as asked for. calculate divides by zero with
InvalidOperation(whatOp=DIVIDE, why="Cannot divide by 0"), and an operation it does not know (99) with
TApplicationException(UNKNOWN, "no such operation 99"). Over THeader, a handler answers each request header
`k: v` with the reply header `echo-k: v` (the server here adds `seen-protocol` and `seen-transforms` too), and a
THeader client sends a header `call: <method>` with every call.
"""

import ssl
import sys
import threading

from thrift.protocol import TBinaryProtocol, TCompactProtocol, TJSONProtocol, TMultiplexedProtocol
from thrift.protocol.THeaderProtocol import THeaderProtocol, THeaderProtocolFactory
from thrift.server import TServer
from thrift.Thrift import TApplicationException, TMessageType
from thrift.TMultiplexedProcessor import TMultiplexedProcessor
from thrift.transport import TSocket, TSSLSocket, TTransport
from thrift.transport.THeaderTransport import (
    THeaderClientType,
    THeaderSubprotocolID,
    THeaderTransformID,
    THeaderTransport,
)

# Only THeader clients are allowed unless asked otherwise: a server that accepted framed or unframed requests
# too could not tell whether the peer really spoke THeader.
HEADER_ONLY = (THeaderClientType.HEADERS,)
EVERY_CLIENT = (
    THeaderClientType.HEADERS,
    THeaderClientType.FRAMED_BINARY,
    THeaderClientType.UNFRAMED_BINARY,
    THeaderClientType.FRAMED_COMPACT,
    THeaderClientType.UNFRAMED_COMPACT,
)

PROTOCOL_NAMES = {THeaderSubprotocolID.BINARY: "binary", THeaderSubprotocolID.COMPACT: "compact"}
TRANSFORM_NAMES = {THeaderTransformID.ZLIB: "zlib"}


class Dialect(object):
    def __init__(self, name):
        parts = name.split("-")
        self.transport = parts[0]
        self.protocol = parts[1]
        self.zlib = parts[2:] == ["zlib"]
        known = ("binary", "compact") if self.transport == "header" else ("binary", "compact", "json")
        if self.transport not in ("framed", "unframed", "header") or self.protocol not in known:
            raise SystemExit("unknown dialect %r" % name)

    @property
    def header(self):
        return self.transport == "header"

    @property
    def protocol_id(self):
        return THeaderSubprotocolID.COMPACT if self.protocol == "compact" else THeaderSubprotocolID.BINARY

    def plain_protocol_factory(self, old_binary=False):
        if old_binary:
            return TBinaryProtocol.TBinaryProtocolFactory(strictRead=False, strictWrite=False)
        if self.protocol == "compact":
            return TCompactProtocol.TCompactProtocolFactory()
        if self.protocol == "json":
            return TJSONProtocol.TJSONProtocolFactory()
        return TBinaryProtocol.TBinaryProtocolFactory()


class RecordingHeaderTransport(THeaderTransport):
    """Apache's THeaderTransport, also noting which transforms the last frame read had.

    With `mirror`, frames written afterwards use those same transforms (Apache's C++ server answers in kind; the
    Python one would answer uncompressed), so the peer has to read a zlib frame Python wrote.
    """

    def __init__(self, transport, default_protocol, mirror, allowed_client_types=HEADER_ONLY):
        THeaderTransport.__init__(self, transport, allowed_client_types, default_protocol)
        self.read_transforms = []
        self._mirror = mirror

    def _parse_header_format(self, buffer):
        self.read_transforms = []
        payload = THeaderTransport._parse_header_format(self, buffer)
        if self._mirror:
            self._write_transforms = list(self.read_transforms)
        return payload

    def _apply_read_transform(self, transform_id, payload):
        self.read_transforms.append(transform_id)
        return THeaderTransport._apply_read_transform(self, transform_id, payload)


class RecordingHeaderProtocolFactory(THeaderProtocolFactory):
    def __init__(self, mirror, allowed_client_types):
        THeaderProtocolFactory.__init__(self, allowed_client_types=allowed_client_types)
        self.mirror = mirror

    def getProtocol(self, trans):
        allowed = self.allowed_client_types
        recording = RecordingHeaderTransport(trans, self.default_protocol, self.mirror, allowed)
        return THeaderProtocol(recording, allowed)


# The protocol of the request being served on this thread (TThreadedServer: one thread per connection).
current = threading.local()


class ScopedProcessor(object):
    """Makes the connection's protocol reachable from handlers, which Apache's generated code does not pass."""

    def __init__(self, inner):
        self.inner = inner

    def process(self, iprot, oprot):
        current.protocol = oprot
        return self.inner.process(iprot, oprot)


RAW_HEADER = (b"raw", b"\xff\xfe")

# Set by `serve`: whether replies carry RAW_HEADER.
raw_reply_header = False


def echo_headers():
    protocol = getattr(current, "protocol", None)
    if not isinstance(protocol, THeaderProtocol):
        return
    if raw_reply_header:
        protocol.set_header(*RAW_HEADER)
    for key, value in protocol.get_headers().items():
        protocol.set_header(b"echo-" + key, value)
    protocol.set_header(b"seen-protocol", PROTOCOL_NAMES[protocol.trans.protocol_id].encode())
    names = [TRANSFORM_NAMES[t] for t in protocol.trans.read_transforms]
    protocol.set_header(b"seen-transforms", ",".join(names).encode())


def request_header(name):
    protocol = getattr(current, "protocol", None)
    if not isinstance(protocol, THeaderProtocol):
        return None
    return protocol.get_headers().get(name)


def make_handler(service):
    from calculator.ttypes import InvalidOperation, Operation
    from shared.ttypes import SharedStruct

    class Handler(object):
        def ping(self):
            echo_headers()

        def add(self, num1, num2):
            echo_headers()
            return num1 + num2

        def calculate(self, logid, w):
            echo_headers()
            if w.op == Operation.ADD:
                return w.first + w.second
            if w.op == Operation.SUBTRACT:
                return w.first - w.second
            if w.op == Operation.MULTIPLY:
                return w.first * w.second
            if w.op != Operation.DIVIDE:
                raise TApplicationException(TApplicationException.UNKNOWN, "no such operation %d" % w.op)
            if w.second == 0:
                raise InvalidOperation(whatOp=w.op, why="Cannot divide by 0")
            return int(w.first / w.second)

        def zip(self):
            # No reply goes out, so reply headers set here would leak into the next one: only report.
            call = request_header(b"call")
            print("zip call=%s" % (call.decode() if call is not None else "-"), flush=True)

        def getStruct(self, key):
            echo_headers()
            if key < 0:
                return SharedStruct(key=key, value=service + " " + "." * -key)
            return SharedStruct(key=key, value="%s %d" % (service, key))

    return Handler()


def server_socket(settings):
    """A plain server socket on a free loopback port, or a TLS one if the settings name a certificate."""
    if "tls-cert" not in settings:
        return TSocket.TServerSocket(host="127.0.0.1", port=0)
    tls = {
        "certfile": settings["tls-cert"],
        "keyfile": settings["tls-key"],
        # TSSLSocket's default protocol is the client's, which cannot serve.
        "ssl_version": ssl.PROTOCOL_TLS_SERVER,
        "cert_reqs": ssl.CERT_NONE,
    }
    if "tls-client-ca" in settings:
        tls.update(cert_reqs=ssl.CERT_REQUIRED, ca_certs=settings["tls-client-ca"])
    return TSSLSocket.TSSLServerSocket(host="127.0.0.1", port=0, **tls)


def serve(dialect, options, settings):
    from calculator import Calculator
    from shared import SharedService

    global raw_reply_header
    raw_reply_header = "raw-header" in options
    multiplexed = "multiplexed" in options

    if multiplexed:
        processor = TMultiplexedProcessor()
        processor.registerProcessor("Calculator", Calculator.Processor(make_handler("Calculator")))
        processor.registerProcessor("SharedService", SharedService.Processor(make_handler("SharedService")))
    else:
        processor = Calculator.Processor(make_handler("Calculator"))

    if dialect.header:
        transport_factory = TTransport.TTransportFactoryBase()
        allowed = EVERY_CLIENT if "every-client" in options else HEADER_ONLY
        protocol_factory = RecordingHeaderProtocolFactory("plain-replies" not in options, allowed)
    elif dialect.transport == "framed":
        transport_factory = TTransport.TFramedTransportFactory()
        protocol_factory = dialect.plain_protocol_factory("old-binary" in options)
    else:
        transport_factory = TTransport.TBufferedTransportFactory()
        protocol_factory = dialect.plain_protocol_factory("old-binary" in options)

    socket = server_socket(settings)
    socket.listen()
    port = socket.handle.getsockname()[1]
    # Already listening (so the port is known before serving); TServer.serve() would listen again.
    socket.listen = lambda: None
    server = TServer.TThreadedServer(
        ScopedProcessor(processor), socket, transport_factory, protocol_factory, daemon=True
    )
    print("port %d" % port, flush=True)
    server.serve()


def client_socket(port, settings):
    """A plain socket to 127.0.0.1:PORT, or a TLS one if the settings name a CA to trust."""
    if "tls-ca" not in settings:
        return TSocket.TSocket("127.0.0.1", port)
    tls = {"ca_certs": settings["tls-ca"], "cert_reqs": ssl.CERT_REQUIRED}
    if "tls-cert" in settings:
        tls.update(certfile=settings["tls-cert"], keyfile=settings["tls-key"])
    if "tls-server-name" in settings:
        tls["server_hostname"] = settings["tls-server-name"]
    return TSSLSocket.TSSLSocket("127.0.0.1", port, **tls)


def open_client(dialect, port, old_binary, settings):
    socket = client_socket(port, settings)
    socket.setTimeout(10000)
    if dialect.header:
        transport = RecordingHeaderTransport(socket, dialect.protocol_id, mirror=False)
        if dialect.zlib:
            transport.add_transform(THeaderTransformID.ZLIB)
        protocol = THeaderProtocol(transport, HEADER_ONLY, dialect.protocol_id)
    else:
        if dialect.transport == "framed":
            transport = TTransport.TFramedTransport(socket)
        else:
            transport = TTransport.TBufferedTransport(socket)
        protocol = dialect.plain_protocol_factory(old_binary).getProtocol(transport)
    transport.open()
    return transport, protocol


def short(value):
    """repr(value), cut short: a long reply that came back wrong should not flood the test's output."""
    text = repr(value)
    return text if len(text) <= 300 else "%s... (%d characters)" % (text[:300], len(text))


def describe(error):
    """The error and what caused it: Apache's transport exceptions keep the TLS error as `inner`."""
    text = "%s: %s" % (type(error).__name__, error)
    inner = getattr(error, "inner", None)
    return text if inner is None else "%s, from %s" % (text, describe(inner))


def expect_refusal(dialect, port, options, settings):
    """Connects and pings once, expecting the TLS server to refuse this client at one or the other."""
    from calculator import Calculator

    try:
        transport, protocol = open_client(dialect, port, "old-binary" in options, settings)
        Calculator.Client(protocol).ping()
    except Exception as error:  # refused: the handshake failed, or the alert came on the first read
        # The verdict stays a bare `ok`, as every other one; the test can still read why on stderr.
        print("refused with %s" % describe(error), file=sys.stderr, flush=True)
        print("tls refused: ok", flush=True)
        return
    transport.close()
    print("tls refused: FAIL the ping went through", flush=True)


def call(dialect, port, options, settings):
    from calculator import Calculator
    from calculator.ttypes import InvalidOperation, Operation, Work
    from shared import SharedService
    from shared.ttypes import SharedStruct

    if "tls-refused" in options:
        expect_refusal(dialect, port, options, settings)
        return
    transport, protocol = open_client(dialect, port, "old-binary" in options, settings)
    if "multiplexed" in options:
        calculator = Calculator.Client(TMultiplexedProtocol.TMultiplexedProtocol(protocol, "Calculator"))
        shared = SharedService.Client(TMultiplexedProtocol.TMultiplexedProtocol(protocol, "SharedService"))
    else:
        calculator = Calculator.Client(protocol)
        shared = None

    def reply_problem(method):
        """What is wrong with the last reply's THeader framing and headers, if anything."""
        if not dialect.header:
            return None
        headers = protocol.get_headers()
        # No handler runs for an unknown method, so nothing is echoed.
        if method != "multiply" and headers.get(b"echo-call") != method.encode():
            return "reply headers %r lack echo-call: %s" % (headers, method)
        reply_protocol = PROTOCOL_NAMES.get(transport.protocol_id)
        if reply_protocol != dialect.protocol:
            return "the reply came in %s, the request went in %s" % (reply_protocol, dialect.protocol)
        reply_transforms = [TRANSFORM_NAMES.get(t, t) for t in transport.read_transforms]
        wanted = ["zlib"] if dialect.zlib else []
        if reply_transforms != wanted:
            return "the reply's transforms were %r, the request's %r" % (reply_transforms, wanted)
        return None

    def check(name, method, run, expected):
        if dialect.header:
            protocol.set_header(b"call", method.encode())
            if "raw-header" in options:
                protocol.set_header(*RAW_HEADER)
        try:
            got = run()
        except Exception as error:  # the verdict names what went wrong; the Rust test asserts on it
            got = error
        if got != expected:
            print("%s: FAIL got %s, expected %s" % (name, short(got), short(expected)), flush=True)
            return
        problem = reply_problem(method) if method != "zip" else None
        print("%s: %s" % (name, "FAIL " + problem if problem else "ok"), flush=True)

    check("ping", "ping", calculator.ping, None)
    check("add", "add", lambda: calculator.add(40, 2), 42)
    # A long comment makes the request span many socket reads.
    long_work = Work(84, 2, Operation.DIVIDE, comment="x" * (256 * 1024))
    check("calculate", "calculate", lambda: calculator.calculate(1, long_work), 42)
    check(
        "calculate throws InvalidOperation",
        "calculate",
        lambda: calculator.calculate(2, Work(1, 0, Operation.DIVIDE)),
        InvalidOperation(whatOp=Operation.DIVIDE, why="Cannot divide by 0"),
    )

    def application_error(run):
        try:
            return run()
        except TApplicationException as error:
            return ("TApplicationException", error.type, error.message)

    check(
        "calculate fails with TApplicationException",
        "calculate",
        lambda: application_error(lambda: calculator.calculate(3, Work(1, 1, 99))),
        ("TApplicationException", TApplicationException.UNKNOWN, "no such operation 99"),
    )

    def unknown_method():
        """Calls `multiply`, which the IDL does not have, through the client's own protocols."""
        oprot, iprot = calculator._oprot, calculator._iprot
        oprot.writeMessageBegin("multiply", TMessageType.CALL, 77)
        oprot.writeStructBegin("multiply_args")
        oprot.writeFieldStop()
        oprot.writeStructEnd()
        oprot.writeMessageEnd()
        transport.flush()
        name, message_type, seqid = iprot.readMessageBegin()
        error = TApplicationException()
        error.read(iprot)
        iprot.readMessageEnd()
        return (name, message_type, seqid, error.type)

    check(
        "unknown method",
        "multiply",
        unknown_method,
        ("multiply", TMessageType.EXCEPTION, 77, TApplicationException.UNKNOWN_METHOD),
    )
    check("zip", "zip", calculator.zip, None)
    check("getStruct", "getStruct", lambda: calculator.getStruct(7), SharedStruct(7, "Calculator 7"))
    # A long reply spans many socket reads.
    long_key = -256 * 1024
    long_struct = SharedStruct(long_key, "Calculator " + "." * -long_key)
    check("getStruct with a long reply", "getStruct", lambda: calculator.getStruct(long_key), long_struct)
    if shared is not None:
        check(
            "SharedService getStruct",
            "getStruct",
            lambda: shared.getStruct(9),
            SharedStruct(9, "SharedService 9"),
        )
    transport.close()


def main():
    command, gen_dir, dialect = sys.argv[1], sys.argv[2], Dialect(sys.argv[3])
    sys.path.insert(0, gen_dir)
    if command == "serve":
        arguments = sys.argv[4:]
        known = {"multiplexed", "plain-replies", "raw-header", "every-client", "old-binary"}
        known_settings = {"tls-cert", "tls-key", "tls-client-ca"}
    elif command == "call":
        port, arguments = int(sys.argv[4]), sys.argv[5:]
        known = {"multiplexed", "raw-header", "old-binary", "tls-refused"}
        known_settings = {"tls-ca", "tls-cert", "tls-key", "tls-server-name"}
    else:
        raise SystemExit("unknown command %r" % command)
    options = {argument for argument in arguments if "=" not in argument}
    settings = dict(argument.split("=", 1) for argument in arguments if "=" in argument)
    if not options <= known:
        raise SystemExit("unknown options %r" % sorted(options - known))
    if not set(settings) <= known_settings:
        raise SystemExit("unknown settings %r" % sorted(set(settings) - known_settings))
    if ("tls-cert" in settings) != ("tls-key" in settings):
        raise SystemExit("tls-cert and tls-key go together")
    if command == "serve" and "tls-client-ca" in settings and "tls-cert" not in settings:
        raise SystemExit("tls-client-ca needs tls-cert and tls-key")
    tls_only = {"tls-cert", "tls-server-name"} & set(settings) or {"tls-refused"} & options
    if command == "call" and "tls-ca" not in settings and tls_only:
        raise SystemExit("%s needs tls-ca" % sorted(tls_only)[0])
    if command == "serve":
        serve(dialect, options, settings)
    else:
        call(dialect, port, options, settings)


if __name__ == "__main__":
    main()
