"""The CEL parser's binary operators, parsed by precedence climbing (``_Parser.binary``),
against the one-method-per-level grammar it replaced (kept here as ``_Levels``): the same
trees and the same errors, on every rule and message expression of the bundled CRDs, on
operator chains of every mix, and on mutations of them."""

from __future__ import annotations

import random

import pytest

from infergw_lint import crd
from infergw_lint.crd.cel import parser
from infergw_lint.crd.cel.lexer import CompileError

_RELATIONS = frozenset(("==", "!=", "<", "<=", ">", ">="))


class _Levels(parser._Parser):
    """The grammar before precedence climbing: ``||`` over ``&&`` over relations over
    ``+ -`` over ``* / %``, one method each."""

    def advance(self):
        tok = self.tok
        self.i += 1
        self.tok = self.toks[min(self.i, len(self.toks) - 1)]
        return tok

    def at(self, op: str) -> bool:
        return self.tok[0] == "op" and self.tok[1] == op

    def expr(self):
        self.enter()
        try:
            cond = self.logical("||")
            if self.at("?"):
                off = self.advance()[2]
                then = self.logical("||")
                self.expect(":")
                other = self.expr()
                return ("cond", off, cond, then, other)
            return cond
        finally:
            self.level -= 1

    def logical(self, op: str):
        sub = (lambda: self.logical("&&")) if op == "||" else self.relation
        left = sub()
        while self.at(op):
            off = self.advance()[2]
            left = ("or" if op == "||" else "and", off, left, sub())
        return left

    def relation(self):
        left = self.addition()
        while True:
            kind, value, off = self.tok
            if kind == "op" and value in _RELATIONS:
                self.advance()
                left = ("op", off, value, left, self.addition())
            elif kind == "ident" and value == "in":
                self.advance()
                left = ("op", off, "in", left, self.addition())
            else:
                return left

    def addition(self):
        left = self.multiplication()
        while self.tok[0] == "op" and self.tok[1] in ("+", "-"):
            _, op, off = self.advance()
            left = ("op", off, op, left, self.multiplication())
        return left

    def multiplication(self):
        left = self.unary()
        while self.tok[0] == "op" and self.tok[1] in ("*", "/", "%"):
            _, op, off = self.advance()
            left = ("op", off, op, left, self.unary())
        return left


def _outcome(cls, text):
    """The tree, or the error's type and message, of ``text`` parsed as ``parser.parse`` does
    with the grammar of ``cls``."""
    saved = parser._Parser
    parser._Parser = cls
    try:
        return ("tree", parser.parse(text))
    except CompileError as exc:
        return (type(exc).__name__, str(exc))
    except RecursionError:
        return ("RecursionError",)
    finally:
        parser._Parser = saved


def _same(text):
    assert _outcome(parser._Parser, text) == _outcome(_Levels, text), text


def _bundled_texts() -> list:
    texts = set()
    stack = [crd.bundle(name) for name in crd.bundled_names()]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for r in node.get("x-kubernetes-validations") or ():
                if isinstance(r, dict):
                    texts.update(t for t in (r.get("rule"), r.get("messageExpression")) if isinstance(t, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(texts)


def test_bundled_rules_parse_the_same():
    texts = _bundled_texts()
    assert len(texts) > 100
    for text in texts:
        _same(text)


OPERATORS = ["||", "&&", "==", "!=", "<", "<=", ">", ">=", " in ", "+", "-", "*", "/", "%"]


def test_operator_chains_parse_the_same():
    rnd = random.Random(20)
    operands = ["a", "self.b", "1", "-2", "!c", "(d || e)", "f.g(h)", "[1, 2]", "x ? y : z", "'s'"]
    for _ in range(3000):
        n = rnd.randint(1, 6)
        parts = [rnd.choice(operands)]
        for _ in range(n):
            parts += [rnd.choice(OPERATORS), rnd.choice(operands)]
        _same(" ".join(parts))


@pytest.mark.parametrize("text", [
    "a ||", "&& b", "a + * b", "a in", "in a", "a ? b", "a ? b : ", "(a || b", "a == == b", "a <",
    "!", "-", "a.b(c,", "1 + 2 +" * 50 + "3", "(" * 45 + "a" + ")" * 45, "!" * 100 + "a", "-" * 100 + "1",
    " || ".join(["a"] * 200), " + ".join(["1"] * 200),
])
def test_errors_and_bounds_the_same(text):
    _same(text)


def test_mutated_rules_parse_the_same():
    rnd = random.Random(7)
    texts = _bundled_texts()
    pieces = OPERATORS + ["(", ")", "[", "]", "?", ":", ",", ".", "!", " ", "x", "1"]
    for _ in range(3000):
        text = rnd.choice(texts)
        for _ in range(rnd.randint(1, 3)):
            i = rnd.randint(0, len(text))
            if rnd.random() < 0.5:
                text = text[:i] + rnd.choice(pieces) + text[i:]
            else:
                text = text[:i] + text[i + rnd.randint(1, 3):]
        _same(text)
