"""The CEL parser's binary operators, parsed by precedence climbing (``_Parser.binary``),
against the one-method-per-level grammar it replaced (kept here as ``_Levels``), and the
lexer's one-match path for common tokens (``lexer._COMMON``) against the token-by-token
code alone: the same tokens, trees and errors, on every rule and message expression of the
bundled CRDs, on operator chains of every mix, on the edge cases of each token, and on
mutations of them all."""

from __future__ import annotations

import random
import re

import pytest

from infergw_lint import crd
from infergw_lint.crd.cel import lexer, parser
from infergw_lint.crd.cel.lexer import CompileError

_RELATIONS = frozenset(("==", "!=", "<", "<=", ">", ">="))


class _Levels(parser._Parser):
    """The grammar before precedence climbing: ``||`` over ``&&`` over relations over
    ``+ -`` over ``* / %``, one method each; unary operators and member selection as they
    were before their fast paths."""

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

    def unary(self):
        if self.at("!") or self.at("-"):
            self.level += 1
            if self.level > parser.MAX_DEPTH:
                raise self.fail(f"expression nested deeper than {parser.MAX_DEPTH} levels")
            try:
                _, op, off = self.advance()
                if op == "-" and self.tok[0] in ("int", "double") and not self._postfix_follows():
                    kind, value, _ = self.advance()
                    return ("lit", off, -value)
                operand = self.unary()
                return ("not" if op == "!" else "neg", off, operand)
            finally:
                self.level -= 1
        return self.member()

    def member(self):
        node = self.primary()
        while True:
            if self.at("."):
                off = self.advance()[2]
                optional = False
                if self.at("?"):
                    self.advance()
                    optional = True
                name = self.ident_name(member=True)
                if self.at("("):
                    if optional:
                        raise self.fail("a call cannot follow '.?'")
                    args = self.args()
                    node = ("call", off, node, name, args)
                else:
                    node = ("select", off, node, name, optional)
            elif self.at("["):
                off = self.advance()[2]
                optional = False
                if self.at("?"):
                    self.advance()
                    optional = True
                index = self.expr()
                self.expect("]")
                node = ("index", off, node, index, optional)
            elif self.at("{"):
                raise self.fail("message construction is not supported", cls=parser.Unsupported)
            else:
                return node


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


def _tokens(text, common=True):
    saved = lexer._COMMON
    if not common:
        lexer._COMMON = re.compile(r"(?!)")  # never matches: every token read one at a time
    try:
        return ("tokens", lexer.tokenize(text))
    except CompileError as exc:
        return (type(exc).__name__, str(exc))
    finally:
        lexer._COMMON = saved


def _same(text):
    assert _outcome(parser._Parser, text) == _outcome(_Levels, text), text
    got, want = _tokens(text), _tokens(text, common=False)
    assert got == want, text
    if got[0] == "tokens":
        assert [type(t[1]) for t in got[1]] == [type(t[1]) for t in want[1]], text


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
    # tokens the one-match path must leave to the token-by-token code, or take as it would
    "''", '""', "'''a'''", '"""a"""', "''''", "'a'''", "r'x'", "R'x'", "b'x'", "rb'x'", "Br'x'", "rr'x'", "ab'x'",
    "a'x'", 'a"x"', "x_1'y'", r"'a\'b'", "'a\nb'", "'a\rb'", "'\ud800'", "'é€😀'", ".5", "a.5", "a.b", "1.e",
    "1..2", "a. b", "//c\nx", "x//c", "x /y", "x//", "=", "a = b", "`x`", "a\tb", "\x0bx", "1u", "0x1F.a",
    "'unterminated", '"a', "'a\\", "a\u00a0b", "é", "a&b", "a|b", "a!b", "!=!", "<==", "a<=>b", "[?a]", "a.?b",
    "{'a': 1}.a", "x in [1]", "inx", "in", "_", "__a", "a1b2", "'a' 'b'", "'a''b'", "a{}", "a.b{c: 1}", "-a.b", "!a[0]",
])
def test_errors_and_bounds_the_same(text):
    _same(text)


def test_mutated_rules_parse_the_same():
    rnd = random.Random(7)
    texts = _bundled_texts()
    pieces = OPERATORS + ["(", ")", "[", "]", "?", ":", ",", ".", "!", " ", "x", "1", "'", '"', "\\", "r", "b",
                          "//", "\n", "=", "`", ".5", "\ud800", "é"]
    for _ in range(3000):
        text = rnd.choice(texts)
        for _ in range(rnd.randint(1, 3)):
            i = rnd.randint(0, len(text))
            if rnd.random() < 0.5:
                text = text[:i] + rnd.choice(pieces) + text[i:]
            else:
                text = text[:i] + text[i + rnd.randint(1, 3):]
        _same(text)
