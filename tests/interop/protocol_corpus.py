"""Protocol interop corpus, encoded and checked by Apache Thrift's pure-Python protocols.

    protocol_corpus.py dump DIR
        For every case writes DIR/<case>.tree (the value tree in the text format of tests/src/value.rs) and
        DIR/<case>.binary, .compact and .json as TBinaryProtocol, TCompactProtocol and TJSONProtocol encode it
        (message cases also as .binary-unversioned, TBinaryProtocol with strictWrite=False).
        DIR/cases lists the case names in order.

    protocol_corpus.py check DIR PROTOCOL
        Decodes DIR/<case>.<PROTOCOL> (written by idlc) with Apache's PROTOCOL reader, guided only by the types
        in the corpus, and compares the result with the corpus value. Prints one line per case ("ok NAME" or
        "FAIL NAME: why") and exits 1 if any case failed.

The corpus is defined here once; both directions use it, so the bytes' truth is always Apache's own code.
"""

import math
import os
import random
import struct
import sys
import uuid

from thrift.Thrift import TApplicationException, TMessageType, TType
from thrift.protocol.TBinaryProtocol import TBinaryProtocol
from thrift.protocol.TCompactProtocol import TCompactProtocol
from thrift.protocol.TJSONProtocol import TJSONProtocol
from thrift.transport.TTransport import TMemoryBuffer

# The pure-Python classes: the accelerated variants hand whole structs to the C extension, which would not be
# exercising the protocol code idlc is compared with.
PROTOCOLS = {
    "binary": TBinaryProtocol,
    "compact": TCompactProtocol,
    "json": TJSONProtocol,
}


# ---------------------------------------------------------------- value model


class V:
    """A scalar: kind is bool, i8, i16, i32, i64, dbl, str, bin or uuid."""

    def __init__(self, kind, value):
        self.kind = kind
        self.value = value


class S:
    """A struct: a list of (field id, node) in wire order."""

    kind = "struct"

    def __init__(self, *fields):
        self.fields = list(fields)


class L:
    """A list or set (kind) of elements of kind elem."""

    def __init__(self, kind, elem, items):
        self.kind = kind
        self.elem = elem
        self.items = list(items)


class M:
    """A map from key kind to value kind, entries in wire order."""

    kind = "map"

    def __init__(self, key, value, entries):
        self.key = key
        self.value = value
        self.entries = list(entries)


class Msg:
    """A message envelope around a struct (or a TApplicationException, written by Apache's own code)."""

    def __init__(self, name, mtype, seqid, body):
        self.name = name
        self.mtype = mtype
        self.seqid = seqid
        self.body = body


TTYPES = {
    "bool": TType.BOOL, "i8": TType.BYTE, "i16": TType.I16, "i32": TType.I32, "i64": TType.I64,
    "dbl": TType.DOUBLE, "str": TType.STRING, "bin": TType.STRING, "uuid": TType.UUID,
    "struct": TType.STRUCT, "list": TType.LIST, "set": TType.SET, "map": TType.MAP,
}


def b(x):
    return V("bool", x)


def i8(x):
    return V("i8", x)


def i16(x):
    return V("i16", x)


def i32(x):
    return V("i32", x)


def i64(x):
    return V("i64", x)


def dbl(x):
    return V("dbl", x)


def s(x):
    return V("str", x)


def bn(x):
    return V("bin", bytes(x))


def uid(text):
    return V("uuid", uuid.UUID(text).bytes)


def lst(elem, items):
    return L("list", elem, items)


def st(elem, items):
    return L("set", elem, items)


def exception_tree(exc):
    """The value tree of a TApplicationException as Apache writes it."""
    fields = []
    if exc.message is not None:
        fields.append((1, s(exc.message)))
    if exc.type is not None:
        fields.append((2, i32(exc.type)))
    return S(*fields)


# ---------------------------------------------------------------- the corpus


def corpus():
    rng = random.Random(20240601)
    cases = []

    def case(name, node):
        cases.append((name, node))

    case("empty_struct", S())
    case("every_scalar", S(
        (1, b(True)), (2, b(False)), (3, i8(-5)), (4, i16(1234)), (5, i32(-70000)), (6, i64(1 << 40)),
        (7, dbl(2.5)), (8, s("hello")), (9, bn(b"\x00\x01\xfe\xff")),
        (10, uid("00112233-4455-6677-8899-aabbccddeeff"))))
    case("i8_edges", S((1, i8(-128)), (2, i8(127)), (3, i8(0)), (4, i8(-1))))
    case("i16_edges", S((1, i16(-32768)), (2, i16(32767)), (3, i16(0)), (4, i16(-1)), (5, i16(255))))
    case("i32_edges", S((1, i32(-2**31)), (2, i32(2**31 - 1)), (3, i32(0)), (4, i32(-1)), (5, i32(1 << 24))))
    case("i64_edges", S((1, i64(-2**63)), (2, i64(2**63 - 1)), (3, i64(0)), (4, i64(-1)),
                        (5, i64(2**53 + 1)), (6, i64(-(2**53) - 1))))
    finite = [0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3.0, math.pi, -2.5, 1e16, 1e17, 1e-4, 1e-5, 100.0, 1e22,
              5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308, 1e-300, 1e300,
              123456789.123, 0.30000000000000004, 9007199254740993.0, 4.35, -1e-7, 2.0 ** 63, 2.0 ** -1074,
              # Exact 18-digit expansions: the 17th digit is a tie, which printf and Python round half-even.
              1.00000762939453125, 1.00002288818359375, 0.100002288818359375, 0.10000991821289062,
              0.0100002288818359375, 0.010004043579101562, 1e-6, 9.9999999999999995e-07, 1e38, 1e-7]
    case("double_edges", S(*[(i + 1, dbl(x)) for i, x in enumerate(finite)]))
    case("double_specials", S((1, dbl(float("nan"))), (2, dbl(float("inf"))), (3, dbl(float("-inf"))),
                              (4, lst("dbl", [dbl(float("nan")), dbl(float("-inf")), dbl(1.5)]))))
    randoms = []
    while len(randoms) < 3000:
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(x):
            randoms.append(x)
    randoms += [rng.uniform(-1000, 1000) for _ in range(500)]
    randoms += [float(rng.randrange(-10**6, 10**6)) / 10 ** rng.randrange(0, 8) for _ in range(500)]
    case("double_random", S((1, lst("dbl", [dbl(x) for x in randoms]))))

    strings = ["", "a", "hello world", "héllo wörld", "日本語テキスト", "😀 𝄞 astral", "\u2028\u2029",
               "quote \" backslash \\ slash /", "\b\f\n\r\t", "ctl \x00\x01\x1f\x7f end", "\ufeff BOM",
               "nan", "Infinity", "1", "{\"1\":{\"i32\":1}}", "x" * 10000]
    case("strings", S(*[(i + 1, s(x)) for i, x in enumerate(strings)]))
    case("binaries", S((1, bn(b"")), (2, bn(b"\x00")), (3, bn(b"\x00\xff")), (4, bn(b"abc")),
                       (5, bn(bytes(range(256)))), (6, bn(b"\xff" * 1000)), (7, bn(b"\"\\/"))))
    case("uuids", S((1, uid("00000000-0000-0000-0000-000000000000")),
                    (2, uid("ffffffff-ffff-ffff-ffff-ffffffffffff")),
                    (3, uid("123e4567-e89b-12d3-a456-426614174000")),
                    (4, lst("uuid", [uid(str(uuid.UUID(int=rng.getrandbits(128)))) for _ in range(5)]))))

    case("empty_containers", S(
        (1, lst("i32", [])), (2, st("str", [])), (3, M("i32", "str", [])), (4, lst("struct", [])),
        (5, M("str", "list", [])), (6, st("bin", [])), (7, lst("bool", []))))
    case("big_list_i32", S((1, lst("i32", [i32(rng.randrange(-2**31, 2**31)) for _ in range(10000)]))))
    case("big_set_i64", S((1, st("i64", [i64(i * 7919 - 2**40) for i in range(10000)]))))
    case("big_map_str_i32", S((1, M("str", "i32", [(s("key%05d" % i), i32(i)) for i in range(10000)]))))
    case("big_list_str", S((1, lst("str", [s("s%d" % i) for i in range(10000)]))))
    case("list_headers", S(*[(n + 1, lst("i8", [i8(i % 256 - 128) for i in range(n)])) for n in (0, 1, 14, 15, 16, 200)]))

    case("nested_containers", S(
        (1, M("str", "list", [
            (s("a"), lst("map", [M("i32", "list", [(i32(1), lst("str", [s("x"), s("y")])),
                                                    (i32(-2), lst("str", []))])])),
            (s("b"), lst("map", [])),
        ])),
        (2, lst("list", [lst("list", [lst("i32", [i32(1), i32(2)]), lst("i32", [])]), lst("list", [])])),
        (3, lst("set", [st("str", [s("p"), s("q")]), st("str", [])])),
        (4, M("i16", "map", [(i16(7), M("str", "dbl", [(s("pi"), dbl(math.pi))]))])),
    ))
    case("map_keys", S(
        (1, M("i32", "str", [(i32(-2**31), s("min")), (i32(0), s("zero")), (i32(2**31 - 1), s("max"))])),
        (2, M("i64", "i64", [(i64(-2**63), i64(1)), (i64(2**63 - 1), i64(-1))])),
        (3, M("str", "str", [(s(""), s("empty")), (s("é\"\\\n"), s("escaped")), (s("😀"), s("astral"))])),
        (4, M("dbl", "str", [(dbl(-0.0), s("neg zero")), (dbl(1.5), s("x")), (dbl(1e300), s("big")),
                             (dbl(0.1), s("tenth"))])),
        (5, M("bool", "bool", [(b(True), b(False)), (b(False), b(True))])),
        (6, M("i8", "i16", [(i8(-128), i16(-32768)), (i8(127), i16(32767))])),
        (7, M("bin", "i32", [(bn(b""), i32(0)), (bn(b"\x00\xff"), i32(1))])),
        (8, M("uuid", "i32", [(uid("123e4567-e89b-12d3-a456-426614174000"), i32(3))])),
    ))
    case("map_struct_keys", S(
        (1, M("struct", "i32", [(S((1, i32(1))), i32(10)), (S(), i32(20))])),
        (2, M("list", "set", [(lst("i32", [i32(1)]), st("i32", [i32(2)]))])),
    ))
    case("sets", S((1, st("i32", [i32(3), i32(1), i32(2)])), (2, st("str", [s("a"), s("b")])),
                   (3, st("dbl", [dbl(0.5), dbl(-0.0)])), (4, st("bool", [b(True), b(False)]))))
    case("bools", S(
        (1, b(True)), (2, b(False)), (20, b(True)), (40, b(False)), (-3, b(True)), (32767, b(False)),
        (100, lst("bool", [b(i % 3 == 0) for i in range(20)])),
        (101, st("bool", [b(True)])),
        (102, M("bool", "bool", [(b(True), b(True))])),
        (103, M("i32", "bool", [(i32(1), b(False)), (i32(2), b(True))])),
    ))
    case("field_ids", S(
        (1, i32(1)), (16, i32(16)), (17, i32(17)), (33, i32(33)), (300, i32(300)), (-1, i32(-1)),
        (-32768, i32(-32768)), (32767, i32(32767)), (5, i32(5)), (3, i32(3)), (0, i32(0)), (15, i32(15)),
    ))
    case("nested_structs", S(
        (1, S((1, S((1, S((20, i32(3)), (2, s("deep")))), (5, b(True)))), (40, b(False)))),
        (2, lst("struct", [S((1, i32(i)), (2, s("n%d" % i))) for i in range(5)])),
        (3, M("str", "struct", [(s("k"), S((7, dbl(-1.25)), (8, bn(b"\x01\x02"))))])),
        (17, S()),
    ))
    deep = i32(42)
    for level in range(30):
        deep = S((1, deep)) if level % 2 == 0 else lst("struct" if isinstance(deep, S) else "list", [deep])
    case("deep_30", S((1, deep)))

    case("message_call", Msg("ping", TMessageType.CALL, 1, S()))
    case("message_call_args", Msg("add", TMessageType.CALL, 2147483647, S((1, i32(2)), (2, i32(3)))))
    case("message_reply", Msg("add", TMessageType.REPLY, 7, S((0, i32(5)))))
    case("message_reply_void", Msg("ping", TMessageType.REPLY, -1, S()))
    case("message_reply_exception_field", Msg("div", TMessageType.REPLY, 9,
                                              S((1, S((1, s("division by zero")), (2, i32(22)))))))
    case("message_exception", Msg("add", TMessageType.EXCEPTION, 3,
                                  TApplicationException(TApplicationException.UNKNOWN_METHOD,
                                                        "unknown method add")))
    case("message_exception_empty", Msg("x", TMessageType.EXCEPTION, 0, TApplicationException()))
    case("message_oneway", Msg("log", TMessageType.ONEWAY, -2147483648, S((1, s("line")))))
    case("message_multiplexed", Msg("Calculator:add", TMessageType.CALL, 42, S((1, i32(1)))))
    case("message_unicode_name", Msg("méthode_😀", TMessageType.CALL, 5, S()))
    return cases


# ---------------------------------------------------------------- writing


def write_node(proto, node):
    if isinstance(node, V):
        k, x = node.kind, node.value
        if k == "bool":
            proto.writeBool(x)
        elif k == "i8":
            proto.writeByte(x)
        elif k == "i16":
            proto.writeI16(x)
        elif k == "i32":
            proto.writeI32(x)
        elif k == "i64":
            proto.writeI64(x)
        elif k == "dbl":
            proto.writeDouble(x)
        elif k == "str":
            proto.writeString(x)
        elif k == "bin":
            proto.writeBinary(x)
        elif k == "uuid":
            proto.writeUuid(uuid.UUID(bytes=x))
        else:
            raise ValueError(k)
    elif isinstance(node, S):
        proto.writeStructBegin("S")
        for fid, field in node.fields:
            proto.writeFieldBegin("f", TTYPES[field.kind], fid)
            write_node(proto, field)
            proto.writeFieldEnd()
        proto.writeFieldStop()
        proto.writeStructEnd()
    elif isinstance(node, L):
        begin, end = ((proto.writeListBegin, proto.writeListEnd) if node.kind == "list"
                      else (proto.writeSetBegin, proto.writeSetEnd))
        begin(TTYPES[node.elem], len(node.items))
        for item in node.items:
            write_node(proto, item)
        end()
    elif isinstance(node, M):
        proto.writeMapBegin(TTYPES[node.key], TTYPES[node.value], len(node.entries))
        for key, value in node.entries:
            write_node(proto, key)
            write_node(proto, value)
        proto.writeMapEnd()
    else:
        raise TypeError(node)


def write_case(proto, node):
    if isinstance(node, Msg):
        proto.writeMessageBegin(node.name, node.mtype, node.seqid)
        if isinstance(node.body, TApplicationException):
            node.body.write(proto)
        else:
            write_node(proto, node.body)
        proto.writeMessageEnd()
    else:
        write_node(proto, node)


def encode(protocol_class, node):
    buffer = TMemoryBuffer()
    proto = protocol_class(buffer)
    assert type(proto) in PROTOCOLS.values(), "only the pure-Python protocols are compared"
    write_case(proto, node)
    return buffer.getvalue()


# ---------------------------------------------------------------- the text format


def hexs(data):
    return data.hex() if data else "-"


def tree_text(node, out):
    if isinstance(node, V):
        k, x = node.kind, node.value
        if k == "bool":
            out.append("bool %d" % (1 if x else 0))
        elif k in ("i8", "i16", "i32", "i64"):
            out.append("%s %d" % (k, x))
        elif k == "dbl":
            out.append("dbl %016x" % struct.unpack("<Q", struct.pack("<d", x))[0])
        elif k == "str":
            out.append("str " + hexs(x.encode("utf-8")))
        elif k in ("bin", "uuid"):
            out.append("%s %s" % (k, hexs(x)))
    elif isinstance(node, S):
        out.append("struct %d" % len(node.fields))
        for fid, field in node.fields:
            out.append(str(fid))
            tree_text(field, out)
    elif isinstance(node, L):
        out.append("%s %s %d" % (node.kind, node.elem, len(node.items)))
        for item in node.items:
            tree_text(item, out)
    elif isinstance(node, M):
        out.append("map %s %s %d" % (node.key, node.value, len(node.entries)))
        for key, value in node.entries:
            tree_text(key, out)
            tree_text(value, out)


def case_text(node):
    out = []
    if isinstance(node, Msg):
        body = exception_tree(node.body) if isinstance(node.body, TApplicationException) else node.body
        out.append("message %s %d %d" % (hexs(node.name.encode("utf-8")), node.mtype, node.seqid))
        tree_text(body, out)
    else:
        out.append("value")
        tree_text(node, out)
    return "\n".join(out) + "\n"


def has_special_double(node):
    if isinstance(node, Msg):
        node = node.body
    if isinstance(node, V):
        return node.kind == "dbl" and not math.isfinite(node.value)
    if isinstance(node, S):
        return any(has_special_double(field) for _, field in node.fields)
    if isinstance(node, L):
        return any(has_special_double(item) for item in node.items)
    if isinstance(node, M):
        return any(has_special_double(k) or has_special_double(v) for k, v in node.entries)
    return False


# ---------------------------------------------------------------- reading and comparing


class Mismatch(Exception):
    pass


def same_scalar(kind, expected, actual):
    if kind == "dbl":
        if math.isnan(expected):
            return math.isnan(actual)
        return struct.pack("<d", expected) == struct.pack("<d", actual)
    if kind == "uuid":
        return isinstance(actual, uuid.UUID) and actual.bytes == expected
    if kind == "bool":
        return actual is expected
    if kind == "bin":
        return isinstance(actual, bytes) and actual == expected
    return type(actual) is type(expected) and actual == expected


def check_node(proto, ttype, node, path):
    """Reads one value of wire type ttype and checks it equals node."""
    expected_ttype = TTYPES[node.kind]
    if ttype != expected_ttype:
        raise Mismatch("%s: wire type %d, expected %d" % (path, ttype, expected_ttype))
    if isinstance(node, V):
        reader = {
            "bool": proto.readBool, "i8": proto.readByte, "i16": proto.readI16, "i32": proto.readI32,
            "i64": proto.readI64, "dbl": proto.readDouble, "str": proto.readString, "bin": proto.readBinary,
            "uuid": proto.readUuid,
        }[node.kind]
        actual = reader()
        if not same_scalar(node.kind, node.value, actual):
            raise Mismatch("%s: read %r, expected %r" % (path, actual, node.value))
    elif isinstance(node, S):
        proto.readStructBegin()
        for fid, field in node.fields:
            _, ftype, actual_id = proto.readFieldBegin()
            if ftype == TType.STOP or actual_id != fid:
                raise Mismatch("%s: field %r (type %d), expected field %d" % (path, actual_id, ftype, fid))
            check_node(proto, ftype, field, "%s.%d" % (path, fid))
            proto.readFieldEnd()
        _, ftype, actual_id = proto.readFieldBegin()
        if ftype != TType.STOP:
            raise Mismatch("%s: unexpected field %d" % (path, actual_id))
        proto.readStructEnd()
    elif isinstance(node, L):
        begin, end = ((proto.readListBegin, proto.readListEnd) if node.kind == "list"
                      else (proto.readSetBegin, proto.readSetEnd))
        etype, size = begin()
        if size != len(node.items):
            raise Mismatch("%s: %d elements, expected %d" % (path, size, len(node.items)))
        if size and etype != TTYPES[node.elem]:
            raise Mismatch("%s: element type %d, expected %s" % (path, etype, node.elem))
        for index, item in enumerate(node.items):
            check_node(proto, etype, item, "%s[%d]" % (path, index))
        end()
    elif isinstance(node, M):
        ktype, vtype, size = proto.readMapBegin()
        if size != len(node.entries):
            raise Mismatch("%s: %d entries, expected %d" % (path, size, len(node.entries)))
        if size and (ktype, vtype) != (TTYPES[node.key], TTYPES[node.value]):
            raise Mismatch("%s: map types %d/%d" % (path, ktype, vtype))
        for index, (key, value) in enumerate(node.entries):
            check_node(proto, ktype, key, "%s.key%d" % (path, index))
            check_node(proto, vtype, value, "%s.value%d" % (path, index))
        proto.readMapEnd()


def check_case(protocol_class, data, node):
    buffer = TMemoryBuffer(data)
    proto = protocol_class(buffer)
    if isinstance(node, Msg):
        name, mtype, seqid = proto.readMessageBegin()
        if (name, mtype, seqid) != (node.name, node.mtype, node.seqid):
            raise Mismatch("message header %r, expected %r" % ((name, mtype, seqid),
                                                               (node.name, node.mtype, node.seqid)))
        if isinstance(node.body, TApplicationException):
            # Apache's own decoder for the exception body, then the same comparison.
            exc = TApplicationException()
            exc.read(proto)
            if (exc.type, exc.message) != (node.body.type, node.body.message):
                raise Mismatch("exception %r/%r, expected %r/%r" % (exc.type, exc.message, node.body.type,
                                                                    node.body.message))
        else:
            check_node(proto, TType.STRUCT, node.body, "body")
        proto.readMessageEnd()
    else:
        check_node(proto, TType.STRUCT, node, "value")
    left = len(data) - buffer._buffer.tell()
    if left:
        raise Mismatch("%d byte(s) left after the value" % left)


# ---------------------------------------------------------------- entry points


def dump(directory):
    os.makedirs(directory, exist_ok=True)
    names = []
    for name, node in corpus():
        names.append(name)
        with open(os.path.join(directory, name + ".tree"), "w") as f:
            f.write(case_text(node))
        for protocol, protocol_class in PROTOCOLS.items():
            data = encode(protocol_class, node)
            # Apache must read back what it wrote, or the case says nothing about idlc. Python's JSON writer
            # emits bare nan/inf that its own reader rejects; those cases are exempt here.
            if not (protocol == "json" and has_special_double(node)):
                check_case(protocol_class, data, node)
            with open(os.path.join(directory, "%s.%s" % (name, protocol)), "wb") as f:
                f.write(data)
        if isinstance(node, Msg):
            # The pre-versioned binary envelope (name, type byte, seqid) that non-strict writers still send.
            buffer = TMemoryBuffer()
            write_case(TBinaryProtocol(buffer, strictWrite=False), node)
            with open(os.path.join(directory, name + ".binary-unversioned"), "wb") as f:
                f.write(buffer.getvalue())
    with open(os.path.join(directory, "cases"), "w") as f:
        f.write("\n".join(names) + "\n")


def check(directory, protocol):
    protocol_class = PROTOCOLS[protocol]
    failures = 0
    for name, node in corpus():
        path = os.path.join(directory, "%s.%s" % (name, protocol))
        try:
            with open(path, "rb") as f:
                data = f.read()
            check_case(protocol_class, data, node)
            print("ok %s" % name)
        except Exception as error:  # any failure to decode is a verdict, not a crash of the checker
            failures += 1
            print("FAIL %s: %s: %s" % (name, type(error).__name__, error))
    return 1 if failures else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "dump":
        dump(argv[2])
        return 0
    if len(argv) == 4 and argv[1] == "check" and argv[3] in PROTOCOLS:
        return check(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
