#!/usr/bin/env python3
"""Writes large.thrift: a big, realistic-looking IDL for timing compilers.

The output depends only on SEED and the counts below, so running the script
again reproduces the committed file byte for byte:

    python3 idl-examples/large/generate.py > idl-examples/large/large.thrift

Every name comes from the word lists here; none is a keyword of Thrift or of
a language Apache Thrift generates code for, so `thrift --gen rs` accepts it.
"""

import random
import sys

SEED = 20240611
DOMAINS = 72

NOUNS = [
    "account", "address", "agent", "album", "asset", "badge", "balance", "batch", "bid", "booking",
    "branch", "bucket", "budget", "bundle", "cabinet", "campaign", "card", "cart", "channel", "claim",
    "client", "clinic", "cluster", "coupon", "course", "credit", "customer", "dataset", "deal", "device",
    "dock", "draft", "driver", "engine", "entry", "estate", "feed", "fleet", "folder", "forecast",
    "garden", "gateway", "grant", "harbor", "invoice", "job", "journal", "kiosk", "label", "ledger",
    "license", "listing", "locker", "manifest", "market", "meeting", "member", "meter", "metric", "mission",
    "node", "notice", "offer", "order", "package", "panel", "parcel", "patient", "payment", "permit",
    "pipeline", "plan", "playlist", "policy", "portal", "price", "profile", "project", "quota", "quote",
    "receipt", "region", "report", "request", "reserve", "route", "sample", "schedule", "seat", "sensor",
    "session", "shelf", "shipment", "signal", "sketch", "slot", "station", "stock", "store", "subject",
    "supplier", "survey", "table", "task", "team", "tenant", "ticket", "token", "track", "trade",
    "trip", "unit", "venue", "vessel", "visit", "voucher", "wallet", "warehouse", "widget", "zone",
]

ADJECTIVES = [
    "active", "archived", "billed", "cached", "cold", "current", "daily", "deferred", "direct", "draft",
    "early", "expired", "external", "final", "frozen", "global", "hidden", "hourly", "internal", "late",
    "local", "manual", "monthly", "nested", "open", "paid", "partial", "pending", "primary", "private",
    "public", "queued", "recent", "remote", "reserved", "secondary", "shared", "signed", "spare", "stale",
    "total", "trusted", "unpaid", "urgent", "verified", "visible", "warm", "weekly",
]

VERBS = [
    "create", "update", "remove", "fetch", "list", "search", "approve", "reject", "archive", "restore",
    "assign", "release", "validate", "publish", "retire", "merge", "split", "count", "export", "notify",
]

STATES = [
    "UNKNOWN", "NEW", "PENDING", "READY", "RUNNING", "PAUSED", "BLOCKED", "DONE", "FAILED", "CANCELLED",
    "EXPIRED", "ARCHIVED", "DELETED", "REVIEW", "APPROVED", "REJECTED",
]

BASE_TYPES = ["bool", "i8", "i16", "i32", "i64", "double", "string", "binary"]


def article(word):
    return "an " + word if word[0].lower() in "aeiou" else "a " + word


def camel(*words):
    return "".join(w[:1].upper() + w[1:] for w in words)


def snake(*words):
    return "_".join(words)


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.out = []
        self.structs = []  # struct names defined so far, usable as field types
        self.enums = {}  # enum name -> list of member names
        self.typedefs = []
        self.services = []

    def emit(self, line=""):
        self.out.append(line)

    def pick(self, seq):
        return self.rng.choice(seq)

    def field_type(self, depth=0):
        roll = self.rng.random()
        if roll < 0.45 or depth > 1:
            return self.pick(BASE_TYPES)
        if roll < 0.60 and self.structs:
            return self.pick(self.structs[-40:])
        if roll < 0.70 and self.enums:
            return self.pick(list(self.enums)[-20:])
        if roll < 0.75 and self.typedefs:
            return self.pick(self.typedefs[-20:])
        if roll < 0.85:
            element = self.field_type(depth + 1)
            # Thrift warns that list<i8> should be binary; keep the output warning-free.
            return "list<%s>" % ("i16" if element == "i8" else element)
        if roll < 0.92:
            return "set<%s>" % self.pick(["string", "i32", "i64"])
        key = self.pick(["string", "i32", "i64"])
        return "map<%s, %s>" % (key, self.field_type(depth + 1))

    def default_for(self, type_name):
        if type_name == "bool":
            return self.pick(["true", "false"])
        if type_name in ("i8", "i16"):
            return str(self.rng.randint(-100, 100))
        if type_name in ("i32", "i64"):
            return str(self.rng.randint(-100000, 100000))
        if type_name == "double":
            return "%.2f" % self.rng.uniform(-1000, 1000)
        if type_name == "string":
            return '"%s"' % self.pick(ADJECTIVES)
        if type_name in self.enums:
            return "%s.%s" % (type_name, self.pick(self.enums[type_name]))
        return None

    def fields(self, count, allow_required=True, allow_defaults=True):
        used = set()
        lines = []
        for fid in range(1, count + 1):
            while True:
                name = snake(self.pick(ADJECTIVES), self.pick(NOUNS))
                if name not in used:
                    used.add(name)
                    break
            type_name = self.field_type()
            roll = self.rng.random()
            if allow_required and roll < 0.15:
                qualifier = "required "
            elif roll < 0.55:
                qualifier = "optional "
            else:
                qualifier = ""
            default = None
            if allow_defaults and self.rng.random() < 0.25:
                default = self.default_for(type_name)
            suffix = " = %s" % default if default is not None else ""
            doc = self.rng.random() < 0.3
            if doc:
                lines.append("  /** The %s %s of this record. */" % tuple(name.split("_", 1)))
            lines.append("  %d: %s%s %s%s" % (fid, qualifier, type_name, name, suffix))
        return lines

    def domain(self, index):
        noun = NOUNS[index % len(NOUNS)]
        tag = "%s%d" % (camel(noun), index)
        self.emit("// " + "-" * 74)
        self.emit("// Domain %d: %s records" % (index, noun))
        self.emit("// " + "-" * 74)
        self.emit()

        typedef = "%sKey" % tag
        self.emit("/** Primary key of %s. */" % article(noun))
        self.emit("typedef %s %s" % (self.pick(["i64", "string"]), typedef))
        self.typedefs.append(typedef)
        self.emit()

        enum_name = "%sState" % tag
        members = STATES[: self.rng.randint(5, len(STATES))]
        self.emit("/** Life cycle of %s. */" % article(noun))
        self.emit("enum %s {" % enum_name)
        for value, member in enumerate(members):
            comma = "," if value + 1 < len(members) else ""
            self.emit("  %s = %d%s" % (member, value, comma))
        self.emit("}")
        self.emit()
        self.enums[enum_name] = members

        self.emit("const i32 %s_PAGE_SIZE = %d" % (snake(noun, str(index)).upper(), self.rng.randint(10, 500)))
        self.emit('const string %s_PREFIX = "%s-"' % (snake(noun, str(index)).upper(), noun))
        self.emit(
            "const %s %s_START = %s.%s"
            % (enum_name, snake(noun, str(index)).upper(), enum_name, members[1])
        )
        self.emit(
            "const list<string> %s_TAGS = [%s]"
            % (
                snake(noun, str(index)).upper(),
                ", ".join('"%s"' % self.pick(ADJECTIVES) for _ in range(self.rng.randint(1, 5))),
            )
        )
        self.emit()

        record_names = []
        for part in range(self.rng.randint(4, 7)):
            name = "%s%s" % (tag, camel(self.pick(ADJECTIVES), self.pick(NOUNS)))
            if name in record_names:
                continue
            self.emit("/** %s view of %s. */" % (camel(article(name[len(tag):])), article(noun)))
            self.emit("struct %s {" % name)
            self.emit("  1: required %s key" % typedef)
            self.emit("  2: %s state = %s.%s" % (enum_name, enum_name, members[0]))
            for line in self.fields(self.rng.randint(4, 18)):
                fid, rest = line.split(":", 1) if line.lstrip()[0].isdigit() else (None, line)
                if fid is None:
                    self.emit(line)
                else:
                    self.emit("  %d:%s" % (int(fid) + 2, rest))
            self.emit("}")
            self.emit()
            record_names.append(name)
        self.structs.extend(record_names)

        union_name = "%sSelector" % tag
        self.emit("/** Picks %s records by one criterion. */" % noun)
        self.emit("union %s {" % union_name)
        self.emit("  1: %s key" % typedef)
        self.emit("  2: %s state" % enum_name)
        self.emit("  3: string text")
        self.emit("  4: list<%s> keys" % typedef)
        self.emit("}")
        self.emit()

        error_name = "%sError" % tag
        self.emit("/** Raised when %s operation fails. */" % article(noun))
        self.emit("exception %s {" % error_name)
        self.emit("  1: i32 code")
        self.emit("  2: string message")
        self.emit("  3: optional %s key" % typedef)
        self.emit("}")
        self.emit()

        service_name = "%sService" % tag
        parent = ""
        if self.services and self.rng.random() < 0.3:
            parent = " extends %s" % self.pick(self.services[-10:])
        self.emit("/** Operations on %s records. */" % noun)
        self.emit("service %s%s {" % (service_name, parent))
        used = set()
        for _ in range(self.rng.randint(6, 14)):
            verb = self.pick(VERBS)
            target = self.pick(record_names)
            method = verb + target[len(tag):]
            if method in used:
                continue
            used.add(method)
            if verb == "notify":
                self.emit("  /** Tells the server about a change; no reply is sent. */")
                self.emit("  oneway void %s(1: %s key, 2: %s state)," % (method, typedef, enum_name))
                continue
            if verb in ("list", "search", "export"):
                result = "list<%s>" % target
                args = "1: %s selector, 2: i32 limit = %d, 3: string cursor" % (union_name, 50)
            elif verb == "count":
                result = "i64"
                args = "1: %s selector" % union_name
            elif verb in ("remove", "archive", "retire"):
                result = "void"
                args = "1: %s key, 2: string reason" % typedef
            else:
                result = target
                args = "1: %s key, 2: %s body" % (typedef, target)
            self.emit("  /** %s %s. */" % (camel(verb), article(noun)))
            self.emit("  %s %s(%s) throws (1: %s failure)," % (result, method, args, error_name))
        self.emit("}")
        self.emit()
        self.services.append(service_name)

    def run(self):
        self.emit("/**")
        self.emit(" * A large generated IDL for timing IDL compilers.")
        self.emit(" *")
        self.emit(" * Generated by idl-examples/large/generate.py (seed %d); edit the script, not this" % SEED)
        self.emit(" * file.")
        self.emit(" */")
        self.emit()
        self.emit("namespace rs large")
        self.emit("namespace py large")
        self.emit("namespace java org.example.large")
        self.emit()
        for index in range(DOMAINS):
            self.domain(index)
        return "\n".join(self.out).rstrip("\n") + "\n"


def main():
    sys.stdout.write(Generator(SEED).run())


if __name__ == "__main__":
    main()
