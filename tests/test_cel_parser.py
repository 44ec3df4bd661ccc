"""The native CEL parser (lint/crd/cel/lexer.py, parser.py): every literal form, precedence,
reserved words, optional syntax, errors with positions, and the bounds a hostile rule meets."""

from __future__ import annotations

import pytest

from infergw_lint.crd.cel.lexer import CompileError, Unsupported
from infergw_lint.crd.cel.parser import MAX_DEPTH, MAX_NESTING, UInt, parse


def lit(text):
    node = parse(text)
    assert node[0] == "lit", node
    return node[2]


@pytest.mark.parametrize("text,want", [
    ("0", 0), ("42", 42), ("0x1F", 31), ("0XfF", 255), ("9223372036854775807", 9223372036854775807),
    ("-9223372036854775808", -9223372036854775808), ("-7", -7),
    ("1.5", 1.5), (".5", 0.5), ("1e3", 1000.0), ("1.5E-2", 0.015), ("-2.5", -2.5),
    ("'a'", "a"), ('"a"', "a"), ("'''x'y'''", "x'y"), ('"""a\nb"""', "a\nb"),
    (r"'\n\t\r\a\b\f\v\\\'\"\`\?'", "\n\t\r\a\b\f\v\\'\"`?"),
    (r"'\x41\101\u00e9\U0001F600'", "AA\u00e9\U0001F600"),
    (r"r'\d+\n'", r"\d+\n"), (r'R"\."', r"\."), (r"r'''a\'''", "a\\"),
    ("'é'", "é"),
    ("b'ab'", b"ab"), (r"b'\xff\000'", b"\xff\x00"), ("b'é'", "é".encode()), (r"rb'\x'", b"\\x"), (r"BR'\n'", b"\\n"),
    ("true", True), ("false", False), ("null", None),
])
def test_literals(text, want):
    got = lit(text)
    assert got == want and type(got) is type(want)


def test_uint_literals():
    assert lit("1u") == 1 and type(lit("1u")) is UInt
    assert lit("0x10U") == 16 and type(lit("0x10U")) is UInt
    assert lit("18446744073709551615u") == 2**64 - 1


@pytest.mark.parametrize("text,message", [
    ("9223372036854775808", "int literal out of range at line 1, column 1"),
    ("18446744073709551616u", "uint literal out of range"),
    ("'abc", "unterminated string at line 1, column 1"),
    ("'a\nb'", "newline in a single-quoted string"),
    (r"'\q'", r"invalid escape sequence \q at line 1, column 2"),
    (r"'\x4'", "invalid \\x escape"),
    (r"b'\u00e9'", "\\u escape in a bytes literal"),
    (r"'\uD800'", "invalid code point"),
    ("1 +", "unexpected end of expression at line 1, column 4"),
    ("a.b.\n  c == ", "unexpected end of expression at line 2, column 8"),
    ("(1", "expected ')'"),
    ("1 2", "unexpected int literal at line 1, column 3"),
    ("a ? b", "expected ':'"),
    ("a #", "unexpected character '#' at line 1, column 3"),
    ("\u00e9 == 1", "unexpected character '\u00e9' at line 1, column 1"),  # identifiers are ASCII
    ("1 + \u0663", "unexpected character '\u0663' at line 1, column 5"),  # so are digits
    ("var + 1", "reserved identifier 'var'"),
    ("12abc", "malformed number"),
    ("a = b", "unexpected character '='"),
    ("a ? b ? c : d : e", "expected ':', found '?' at line 1, column 7"),
])
def test_errors_have_positions(text, message):
    with pytest.raises(CompileError) as exc:
        parse(text)
    assert message in str(exc.value)


def test_reserved_words_are_field_names_after_a_dot():
    """cel-spec: `{'as': 1}.as` is valid; a Kubernetes rule cannot name such a property
    unescaped (the API server exposes `namespace` as `__namespace__`)."""
    from infergw_lint.crd.cel.compile import compile_expr

    assert _shape(parse("self.namespace")) == "self.namespace"
    assert _shape(parse("a.true")) == "a.true"
    assert compile_expr("{'as': 1}.as", kubernetes=False).evaluate({}) == 1
    with pytest.raises(CompileError) as exc:
        compile_expr("has(self.namespace) && self.namespace == 'a'")
    assert "undefined field 'namespace' (Kubernetes exposes it as __namespace__) at line 1, column 9" in str(exc.value)
    assert compile_expr("self.__namespace__ == 'a'").run({"__namespace__": "a"}) is True


def test_unsupported_constructs_are_marked_for_fallback():
    for text in ("Msg{a: 1}", ".self", "a.`b-c`"):
        with pytest.raises(Unsupported):
            parse(text)


def _shape(node):
    """A compact rendering of a tree, to check precedence."""
    kind = node[0]
    if kind == "lit":
        return repr(node[2])
    if kind == "ident":
        return node[2]
    if kind in ("or", "and"):
        return f"({_shape(node[2])} {'||' if kind == 'or' else '&&'} {_shape(node[3])})"
    if kind == "op":
        return f"({_shape(node[3])} {node[2]} {_shape(node[4])})"
    if kind == "not":
        return f"!{_shape(node[2])}"
    if kind == "neg":
        return f"-{_shape(node[2])}"
    if kind == "cond":
        return f"({_shape(node[2])} ? {_shape(node[3])} : {_shape(node[4])})"
    if kind == "select":
        return f"{_shape(node[2])}.{'?' if node[4] else ''}{node[3]}"
    if kind == "index":
        return f"{_shape(node[2])}[{'?' if node[4] else ''}{_shape(node[3])}]"
    if kind == "call":
        args = ", ".join(_shape(a) for a in node[4])
        return f"{_shape(node[2]) + '.' if node[2] else ''}{node[3]}({args})"
    if kind == "list":
        return "[" + ", ".join(("?" if o else "") + _shape(e) for e, o in node[2]) + "]"
    if kind == "map":
        return "{" + ", ".join(("?" if o else "") + f"{_shape(k)}: {_shape(v)}" for k, v, o in node[2]) + "}"
    raise AssertionError(kind)


@pytest.mark.parametrize("text,shape", [
    ("a || b && c", "(a || (b && c))"),
    ("a && b || c", "((a && b) || c)"),
    ("a || b || c", "((a || b) || c)"),
    ("a == b && c != d", "((a == b) && (c != d))"),
    ("a + b * c - d", "((a + (b * c)) - d)"),
    ("a * b / c % d", "(((a * b) / c) % d)"),
    ("a < b == true", "((a < b) == True)"),
    ("x in [1, 2] && y", "((x in [1, 2]) && y)"),
    ("!a && b", "(!a && b)"),
    ("!!a", "!!a"),
    ("-a.b", "-a.b"),
    ("- -1", "--1"),
    ("-x.size()", "-x.size()"),
    ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
    ("a ? (b ? c : d) : e", "(a ? (b ? c : d) : e)"),  # unparenthesised, the middle must be a || chain
    ("a || b ? c : d", "((a || b) ? c : d)"),
    ("a.b[0].c(d, e)[f]", "a.b[0].c(d, e)[f]"),
    ("size(a) + a.size()", "(size(a) + a.size())"),
    ("a.?b.?c[?0]", "a.?b.?c[?0]"),
    ("[?a, b,]", "[?a, b]"),
    ("{'k': v, ?'o': w,}", "{'k': v, ?'o': w}"),
    ("optional.of(1).orValue(2)", "optional.of(1).orValue(2)"),
    ("format.dns1123Label().validate(self) == null", "(format.dns1123Label().validate(self) == None)"),
    ("a // comment\n || b", "(a || b)"),
])
def test_precedence(text, shape):
    assert _shape(parse(text)) == shape


def _bundled_texts() -> set:
    """Every rule and message expression of the bundled CRD sets."""
    import glob
    import gzip
    import json
    import os

    from infergw_lint import crd

    texts = set()

    def walk(n):
        if isinstance(n, dict):
            for r in n.get("x-kubernetes-validations") or ():
                texts.add(r["rule"])
                if isinstance(r.get("messageExpression"), str):
                    texts.add(r["messageExpression"])
            for v in n.values():
                walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)

    for path in glob.glob(os.path.join(crd.DATA, "*.json.gz")):
        with gzip.open(path) as fh:
            walk(json.load(fh))
    return texts


def test_every_bundled_rule_parses():
    texts = _bundled_texts()
    assert len(texts) >= 90
    for t in texts:
        parse(t)


@pytest.mark.parametrize("text", [
    "(" * 5000 + "1" + ")" * 5000,
    "!" * 5000 + "true",
    "-" * 5000 + "1",
    "[" * 5000 + "]" * 5000,
    "a" + ".b" * 5000,
    " + ".join(["1"] * 5000),
    " && ".join(["true"] * 5000),
    "f(" * 3000 + ")" * 3000,
    "a ? b : " * 3000 + "c",
])
def test_deep_nesting_is_refused_cleanly(text):
    with pytest.raises(CompileError) as exc:
        parse(text)
    assert "nested deeper" in str(exc.value)


def test_nesting_limit_is_generous_for_real_rules():
    parse("(" * (MAX_NESTING - 1) + "1" + ")" * (MAX_NESTING - 1))
    parse("!" * (MAX_DEPTH - 2) + "true")
    parse(" + ".join(["1"] * (MAX_DEPTH - 2)))


def test_a_tree_is_no_deeper_than_its_tokens():
    """parse walks the finished tree for its depth only when the rule has more tokens than
    MAX_DEPTH: each node is made from a token of its own.  Checked on every bundled rule
    and on chains at the limit."""
    import random

    from infergw_lint.crd.cel.lexer import tokenize
    from infergw_lint.crd.cel.parser import depth

    texts = set(_bundled_texts())
    rng = random.Random(7)
    pieces = ["a", "b.c", "-1", "!x", "f(y)", "m[k]", "[1, 2]", "{'a': 1}", "(z)", "x.?y", "a.f(b)", "1u", "'s'"]
    ops = [" + ", " && ", " || ", " == ", " in ", " * ", " ? "]
    for _ in range(2000):
        n = rng.randint(1, 60)
        text = rng.choice(pieces)
        for _ in range(n - 1):
            op = rng.choice(ops)
            text += op + rng.choice(pieces) + (" : " + rng.choice(pieces) if op == " ? " else "")
        texts.add(text)
    texts.update(("!" * k + "true" for k in (MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1)))
    texts.update(("a" + ".b" * k for k in (MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1)))
    parsed = 0
    for text in texts:
        try:
            tree = parse(text)
        except CompileError:
            continue
        parsed += 1
        assert depth(tree) <= len(tokenize(text)) - 1, text
    assert parsed > 1000
    for k in (MAX_DEPTH, MAX_DEPTH + 1):  # past the limit in a chain of exactly that many tokens and more
        with pytest.raises(CompileError):
            parse("a" + ".b" * k)


def test_length_is_bounded():
    with pytest.raises(CompileError) as exc:
        parse("'" + "a" * 200_000 + "'")
    assert "longer than" in str(exc.value)


def test_non_string_rule():
    with pytest.raises(CompileError):
        parse(None)
