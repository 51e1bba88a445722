"""Apache Thrift's side of the generated-code interop test (tests/tests/codegen_interop.rs).

The Rust test compiles idl-examples/kitchen_sink with Debian's `thrift --gen py` (and a newer version of two
types, for the unknown-field cases) and runs this script with PyPI thrift's pure-Python protocols:

    codegen_kitchen_sink.py encode GEN_DIR OUT_DIR   writes OUT_DIR/<case>.<protocol> for every case
    codegen_kitchen_sink.py decode GEN_DIR IN_DIR    decodes every IN_DIR/<case>.<protocol> as the case's type
                                                     and prints `<case> <protocol> ok` or `... MISMATCH ...`,
                                                     comparing with what Python reads from its own bytes

The values here are built independently of the Rust test's, field by field; the two must describe the same
data. Sets are written in sorted order and maps in sorted key order, because that is the order idlc's
BTreeSet/BTreeMap fields encode in, and the Rust side checks that re-encoding gives identical bytes.
"""

import copy
import os
import sys

from thrift.protocol import TBinaryProtocol, TCompactProtocol, TJSONProtocol
from thrift.transport import TTransport

PROTOCOLS = {
    "binary": TBinaryProtocol.TBinaryProtocol,
    "compact": TCompactProtocol.TCompactProtocol,
    "json": TJSONProtocol.TJSONProtocol,
}


def cases():
    from kitchen.base import ttypes as base
    from kitchen.sink import Archive, Catalogue
    from kitchen.sink import ttypes as ks
    from newer import ttypes as newer

    point = ks.Point(x=1.5, y=-2.25)
    audit = base.Audit(actor="importer", at=1700000000, origin=base.Origin.IMPORTED)
    leaf = ks.TreeNode(label="leaf", children=[])
    value = ks.Value(
        fields={
            "count": ks.Value(integer=-9000000000),
            "empty": ks.Value(nothing=ks.Empty()),
            "list": ks.Value(
                items=[
                    ks.Value(real=0.5),
                    ks.Value(text="zwölf"),
                    ks.Value(raw=b"\x00\x01\xfe\xff"),
                ]
            ),
        }
    )
    return {
        "all_base_types": ks.AllBaseTypes(
            flag=False,
            octet=-128,
            small=127,
            short_number=-32768,
            number=-2147483648,
            long_number=-9223372036854775808,
            real=-1234.5,
            text='h\u00e9llo \u2603 "quoted" \\ / tab\tnewline\n',
            data=b"\x00\xffbinary\x10\x80",
            shade=ks.Shade.DARK,
        ),
        "all_base_types_unknown_enum": ks.AllBaseTypes(
            flag=True,
            octet=0,
            small=0,
            short_number=0,
            number=0,
            long_number=0,
            real=0.0,
            text="",
            data=b"",
            shade=42,
        ),
        "requiredness_all_set": ks.Requiredness(
            must=1, may=-5, usually=7, named="named", maybe_numbers=[]
        ),
        "requiredness_optionals_omitted": ks.Requiredness(
            must=2147483647, may=None, usually=0, named="", maybe_numbers=[3, 4]
        ),
        "containers": ks.Containers(
            numbers=[-1, 0, 1, 2147483647],
            names={"alpha", "beta", "\u00e9t\u00e9"},
            counts={"a": -1, "b": 9223372036854775807},
            matrix=[[1, 2], [], [3]],
            tangled={"k": [{1: {"x", "y"}, -2: set()}, {}]},
            audits={},
            # `python.immutable` makes Python read this list as a tuple.
            points=(point, ks.Point(x=0.0, y=100.0)),
            shades={ks.Shade.DARK, ks.Shade.BRIGHT, 42},
            fast_lookup={"one": 1},
            queue=[5, 4, 3],
            seen={-7, 0, 9000000000},
            blobs=[b"", b"\x00", b"\xff\xfe"],
            tags=["x", "y"],
        ),
        "point_extreme_doubles": ks.Point(x=1e300, y=5e-324),
        "point_awkward_doubles": ks.Point(x=-0.0, y=123456789.125),
        "defaults": ks.Defaults(
            where=ks.Point(x=-1.0, y=0.25),
            path=[],
            audit=audit,
            names={ks.Shade.DIM: "dim", ks.Shade.BLINDING: "blinding"},
            shade=ks.Shade.BLINDING,
            empty_set={1, 2},
            empty_map={"k": "v"},
        ),
        "tree_node": ks.TreeNode(
            label="root",
            left=leaf,
            right=ks.TreeNode(label="right", children=[copy.deepcopy(leaf)]),
            children=[ks.TreeNode(label="child", children=[])],
            forest=ks.Forest(trees=[ks.TreeNode(label="in forest", children=[])]),
        ),
        "value_union": value,
        # The constructor would also set `number` to its IDL default, 5: a union value names that field None.
        "choice_union": ks.Choice(number=None, word="word"),
        "not_found": ks.NotFound(key="user:1", message="no such user", at=-1),
        "not_found_message_omitted": ks.NotFound(key="user:2", message=None, at=0),
        "conflict": ks.Conflict(
            existing=base.RecordId(realm="system", serial=-3), attempted=value
        ),
        "awkward": ks.Awkward(
            type="t", fn=1, match=True, impl=-2, mod="m", crate="c", where="w", loop=3,
            trait="tr", move="mv", ref="r", mut="mu", dyn="d", let="l", unsafe="u", extern="e",
        ),
        "keyword_struct": getattr(ks, "type")(
            match=-1,
            loop=ks.Awkward(
                type="", fn=0, match=False, impl=0, mod="", crate="", where="", loop=0,
                trait="", move="", ref="", mut="", dyn="", let="", unsafe="", extern="",
            ),
        ),
        # `required` is only checked by validate(), which write() does not call: Rust must name the field.
        "requiredness_missing_required": ks.Requiredness(
            must=None, may=None, usually=1, named="x", maybe_numbers=None
        ),
        # Fields without ids get -1, -2, ...; Apache writes every struct's fields in ascending id order.
        "implicit_ids": ks.ImplicitIds(first=1, second="two", third=3),
        "audit_actor_omitted": base.Audit(actor=None, at=5, origin=base.Origin.DERIVED),
        # Service arguments and results, as Apache's generated services put them on the wire.
        "locate_args": Catalogue.locate_args(name="n", shade=ks.Shade.BRIGHT, hints=[1, -1]),
        "count_args_implicit_ids": Catalogue.count_args(prefix="p", exact=True),
        "match_args_keywords": Catalogue.match_args(loop=3, fn="f"),
        "log_args_oneway": Catalogue.log_args(line="line", level=ks.Shade.DIM),
        "fetch_result_success": Catalogue.fetch_result(success=ks.Value(text="v")),
        "remove_result_void": Catalogue.remove_result(),
        "remove_result_included_exception": Catalogue.remove_result(
            denied=base.Forbidden(reason="no")
        ),
        "tree_result_exception": Archive.tree_result(
            missing=ks.NotFound(key="k", message=None, at=1)
        ),
        # A newer version of NotFound and Value: the Rust side knows only the old fields and must skip the rest.
        "newer_not_found": newer.NotFound(
            key="k",
            message="m",
            at=7,
            context={"b": [newer.Extra(name="n", weights=[1.5])], "a": []},
            score=0.75,
            flags={3, 1},
            nested=newer.Extra(name="deep", weights=[]),
        ),
        "newer_value_union": newer.Value(integer=5, extra="ignored", extra_struct=newer.Extra(name="x", weights=[])),
    }


def canonical(value):
    """A deep copy whose sets become sorted lists and whose maps are in sorted key order."""
    if isinstance(value, (set, frozenset)):
        return [canonical(item) for item in sorted(value)]
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if hasattr(value, "thrift_spec"):
        # Through the constructor, because exceptions and `python.immutable` types refuse attribute writes.
        # (Not through thrift_spec: it leaves out fields with negative ids.)
        return type(value)(**{name: canonical(field) for name, field in vars(value).items()})
    return value


def encode(value, protocol):
    transport = TTransport.TMemoryBuffer()
    canonical(value).write(PROTOCOLS[protocol](transport))
    return transport.getvalue()


def decode(cls, data, protocol):
    value = cls()
    # Immutable types (exceptions among them) read through a classmethod that returns the value.
    result = value.read(PROTOCOLS[protocol](TTransport.TMemoryBuffer(data)))
    return value if result is None else result


def main():
    command, gen_dir, data_dir = sys.argv[1:4]
    sys.path.insert(0, gen_dir)
    all_cases = cases()
    if command == "encode":
        os.makedirs(data_dir, exist_ok=True)
        for name, value in all_cases.items():
            for protocol in PROTOCOLS:
                with open(os.path.join(data_dir, "%s.%s" % (name, protocol)), "wb") as out:
                    out.write(encode(value, protocol))
    elif command == "decode":
        for file_name in sorted(os.listdir(data_dir)):
            name, protocol = file_name.rsplit(".", 1)
            expected = all_cases[name]
            with open(os.path.join(data_dir, file_name), "rb") as source:
                data = source.read()
            try:
                decoded = decode(type(expected), data, protocol)
            except Exception as error:  # reported to the Rust side, which fails the test
                print("%s %s MISMATCH decoding failed: %r" % (name, protocol, error))
                continue
            # Compare with what Python reads from its own encoding of the value: Apache's Python classes
            # fill in IDL defaults before reading, so a union whose other field has a default (`Choice`)
            # reads back with that field set too, whoever wrote the bytes.
            expected = decode(type(expected), encode(expected, protocol), protocol)
            if decoded == expected:
                print("%s %s ok" % (name, protocol))
            else:
                print("%s %s MISMATCH decoded %r expected %r" % (name, protocol, decoded, expected))
    else:
        sys.exit("unknown command %r" % command)


if __name__ == "__main__":
    main()
