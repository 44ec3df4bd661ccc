"""The native CEL engine on cel-spec's conformance tests (tests/data/cel-spec/: the simple tests
of google/cel-spec, Apache-2.0, see its README): every test whose expression the engine
compiles must give the expected value or an error; the ones it cannot run (protobuf
messages, type-checker-only errors, containers, extensions it does not offer) are skipped
by kind, and the few deliberate differences are listed with their reason in ``KNOWN``."""

from __future__ import annotations

import math
import os

import pytest

from infergw_lint.crd.cel.compile import compile_expr
from infergw_lint.crd.cel.lexer import CompileError, Unsupported
from infergw_lint.crd.cel.parser import UInt
from infergw_lint.crd.cel.values import TYPE_CONSTANTS, CelError, Duration, Optional, Timestamp, eq

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "cel-spec")
FILES = ["basic", "comparisons", "conversions", "integer_math", "fp_math", "lists", "logic", "macros", "macros2",
         "string", "string_ext", "timestamps", "parse", "optionals", "fields", "plumbing"]

# file/section/test -> why the native engine differs on purpose
KNOWN = {
}


# ---- a small reader for the text format of protocol buffers ------------------------------------

def _tokens(text: str):
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n,;":
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in "{}[]:<>":
            yield c
            i += 1
        elif c in "'\"":
            out = bytearray()
            i += 1
            while text[i] != c:
                if text[i] == "\\":
                    e = text[i + 1]
                    if e in "01234567":
                        j = i + 1
                        while j < i + 4 and text[j] in "01234567":
                            j += 1
                        out.append(int(text[i + 1:j], 8))
                        i = j
                        continue
                    if e == "x":
                        j = i + 2
                        while j < i + 4 and text[j] in "0123456789abcdefABCDEF":
                            j += 1
                        out.append(int(text[i + 2:j], 16))
                        i = j
                        continue
                    simple = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
                              "\\": "\\", "'": "'", '"': '"', "?": "?"}
                    if e in simple:
                        out += simple[e].encode()
                        i += 2
                        continue
                    if e in "uU":
                        width = 4 if e == "u" else 8
                        out += chr(int(text[i + 2:i + 2 + width], 16)).encode("utf-8", "surrogatepass")
                        i += 2 + width
                        continue
                    raise ValueError(f"escape \\{e}")
                out += text[i].encode("utf-8")
                i += 1
            i += 1
            yield ("str", bytes(out))
        else:
            j = i
            while j < n and text[j] not in " \t\r\n,;{}[]:<>#'\"":
                j += 1
            yield ("word", text[i:j])
            i = j


def parse_textproto(text: str) -> dict:
    toks = list(_tokens(text))
    pos = 0

    def message(end):
        nonlocal pos
        out: dict = {}
        while pos < len(toks) and toks[pos] != end:
            if toks[pos] == "[":  # an Any's type URL as the field name: [type.googleapis.com/x.Y]
                pos += 1
                name = ""
                while toks[pos] != "]":
                    name += toks[pos][1]
                    pos += 1
            else:
                name = toks[pos][1]
            pos += 1
            if toks[pos] == ":":
                pos += 1
            if toks[pos] in ("{", "<"):
                close = "}" if toks[pos] == "{" else ">"
                pos += 1
                val = message(close)
                pos += 1
            elif toks[pos] == "[":
                pos += 1
                val = []
                while toks[pos] != "]":
                    if toks[pos] == "{":
                        pos += 1
                        val.append(message("}"))
                    else:
                        val.append(toks[pos])
                    pos += 1
                pos += 1
            else:
                val = toks[pos]
                pos += 1
                while pos < len(toks) and isinstance(toks[pos], tuple) and toks[pos][0] == "str" \
                        and isinstance(val, tuple) and val[0] == "str":
                    val = ("str", val[1] + toks[pos][1])  # adjacent strings concatenate
                    pos += 1
            out.setdefault(name, []).append(val)
        return out

    return message(None)


def _one(msg, name, default=None):
    got = msg.get(name)
    return got[0] if got else default


def _scalar(tok):
    kind, raw = tok
    return raw


class Skip(Exception):
    pass


def to_value(v: dict):
    """A cel.expr.Value message -> the engine's value."""
    if "int64_value" in v:
        return int(_scalar(_one(v, "int64_value")))
    if "uint64_value" in v:
        return UInt(int(_scalar(_one(v, "uint64_value"))))
    if "double_value" in v:
        raw = _scalar(_one(v, "double_value"))
        return float(raw) if raw.lower().lstrip("-") in ("inf", "infinity", "nan") else float(raw.rstrip("fF"))
    if "string_value" in v:
        return _scalar(_one(v, "string_value")).decode("utf-8")
    if "bytes_value" in v:
        return _scalar(_one(v, "bytes_value"))
    if "bool_value" in v:
        return _scalar(_one(v, "bool_value")) == "true"
    if "null_value" in v:
        return None
    if "list_value" in v:
        lst = _one(v, "list_value")
        return [to_value(x) for x in (lst.get("values") or [])]
    if "map_value" in v:
        out = {}
        for entry in _one(v, "map_value").get("entries") or []:
            out[to_value(_one(entry, "key"))] = to_value(_one(entry, "value"))
        return out
    if "type_value" in v:
        name = _scalar(_one(v, "type_value")).decode()
        if name not in TYPE_CONSTANTS:
            raise Skip(f"type {name}")
        return TYPE_CONSTANTS[name]
    raise Skip(f"value kind {sorted(v)}")


def cases():
    out = []
    for f in FILES:
        with open(os.path.join(DATA, f + ".textproto"), encoding="utf-8") as fh:
            doc = parse_textproto(fh.read())
        for section in doc.get("section") or []:
            sname = _scalar(_one(section, "name")).decode()
            for test in section.get("test") or []:
                tname = _scalar(_one(test, "name")).decode()
                out.append(pytest.param(test, id=f"{f}/{sname}/{tname}"))
    return out


def same(got, want) -> bool:
    if type(want) is float and math.isnan(want):
        return type(got) is float and math.isnan(got)
    if type(got) is not type(want) and not (isinstance(got, int) and isinstance(want, int)
                                            and type(got) is not bool and type(want) is not bool):
        return False
    if type(got) is list:
        return len(got) == len(want) and all(same(a, b) for a, b in zip(got, want))
    if type(got) is dict:
        return len(got) == len(want) and all(k in got and same(got[k], v) for k, v in want.items())
    return eq(got, want) and type(got) is type(want)


@pytest.mark.parametrize("test", cases())
def test_conformance(test, request):
    name = request.node.callspec.id
    if name in KNOWN:
        pytest.skip(KNOWN[name])
    for field in ("container", "check_only", "typed_result", "unknown", "any_eval_errors", "any_unknowns"):
        if field in test:
            pytest.skip(f"uses {field}")
    expr = _scalar(_one(test, "expr")).decode("utf-8")
    bindings = {}
    for b in test.get("bindings") or []:
        key = _scalar(_one(b, "key")).decode()
        try:
            bindings[key] = to_value(_one(_one(b, "value"), "value"))
        except Skip as exc:
            pytest.skip(str(exc))
    try:
        want = to_value(_one(test, "value")) if "value" in test else None
    except Skip as exc:
        pytest.skip(str(exc))
    if "value" not in test and "eval_error" not in test:
        want = True  # a test without a result expects true
    try:
        prog = compile_expr(expr, variables=tuple(bindings) or ("self",), kubernetes=False)
    except Unsupported as exc:
        pytest.skip(f"not in the native engine: {exc}")
    except CompileError as exc:
        if "eval_error" in test:
            return  # an error the type checker (or the call's arity) reports: ours at compile time
        raise AssertionError(f"{expr!r} did not compile: {exc}") from None
    try:
        got = prog.evaluate(bindings)
    except CelError as exc:
        assert "eval_error" in test, f"{expr!r} raised {exc}, expected {want!r}"
        return
    assert "eval_error" not in test, f"{expr!r} gave {got!r}, expected an error"
    assert same(got, want), f"{expr!r} gave {got!r}, expected {want!r}"
