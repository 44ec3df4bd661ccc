"""A recursive-descent parser for CEL expressions (the grammar of cel-spec's langdef).

Precedence, lowest first: ``?:`` (right-associative), ``||``, ``&&``, relations (``==``
``!=`` ``<`` ``<=`` ``>`` ``>=`` ``in``), ``+ -``, ``* / %``, unary ``!`` and ``-``, then member
selection, indexing and calls.  Rules come from linted trees, so nesting is bounded
(``MAX_DEPTH``, counted both while parsing and on the finished tree) and the text length is
bounded by the lexer: a hostile rule gets a ``CompileError``, never a RecursionError.

Nodes are tuples ``(kind, offset, ...)``:

    ("lit", off, value)                    ("ident", off, name)
    ("select", off, operand, field, optional)   ("index", off, operand, index, optional)
    ("call", off, target_or_None, name, [args])
    ("list", off, [(elem, optional)])      ("map", off, [(key, value, optional)])
    ("cond", off, c, then, else)           ("or"|"and", off, left, right)
    ("not"|"neg", off, operand)            ("op", off, operator, left, right)
"""

from __future__ import annotations

from .lexer import INT64_MAX, CompileError, Unsupported, error, tokenize

MAX_DEPTH = 96  # of the finished tree (chains such as `a + b + c ...` grow it without nesting)
MAX_NESTING = 40  # of parentheses, brackets, calls and `?:` arms (each costs ~5 parser frames;
# cel-spec's conformance tests nest 32 parentheses)
RESERVED = frozenset(
    "as break const continue else for function if import let loop package namespace return var void while".split()
)
_POSTFIX = frozenset(".[{")  # what may follow an operand in ``member``
# binary operators by precedence, lowest first (``in`` is an identifier token: _IN)
_OR, _AND, _IN = 1, 2, 3
_BINARY = {
    "||": _OR, "&&": _AND, "==": _IN, "!=": _IN, "<": _IN, "<=": _IN, ">": _IN, ">=": _IN,
    "+": 4, "-": 4, "*": 5, "/": 5, "%": 5,
}


class UInt(int):
    """A CEL uint (an int subclass, so that ``type(x) is int`` stays false for it)."""

    __slots__ = ()

    def __repr__(self):
        return f"{int(self)}u"


def parse(text: str):
    if not isinstance(text, str):
        raise CompileError("a rule must be a string")
    p = _Parser(text)
    node = p.expr()
    kind, value, off = p.tok
    if kind != "eof":
        raise error(text, off, f"unexpected {_show(p.tok)}")
    # each node of the tree is made from a token of its own (an operator, a literal, a name,
    # a '.', '[', '(', '{', '?', '!' or '-'), so a tree can be no deeper than the tokens before
    # "eof": the walk below is needed for long rules only (most rules are far shorter)
    if len(p.toks) - 1 > MAX_DEPTH and depth(node) > MAX_DEPTH:
        raise CompileError(f"expression nested deeper than {MAX_DEPTH} levels")
    return node


def depth(node) -> int:
    """The depth of a node tree, computed without recursion."""
    best = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        if d > best:
            best = d
        for child in _children(n):
            stack.append((child, d + 1))
    return best


def _children(n):
    kind = n[0]
    if kind in ("lit", "ident"):
        return ()
    if kind in ("select", "not", "neg"):
        return (n[2],)
    if kind == "index":
        return (n[2], n[3])
    if kind == "call":
        return ((n[2],) if n[2] is not None else ()) + tuple(n[4])
    if kind == "list":
        return tuple(e for e, _ in n[2])
    if kind == "map":
        return tuple(x for k, v, _ in n[2] for x in (k, v))
    if kind == "cond":
        return (n[2], n[3], n[4])
    if kind in ("or", "and"):
        return (n[2], n[3])
    if kind == "op":
        return (n[3], n[4])
    return ()


def _show(tok) -> str:
    kind, value, _ = tok
    if kind == "eof":
        return "end of expression"
    if kind in ("op", "ident"):
        return repr(value)
    return f"{kind} literal"


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.tok = self.toks[0]
        self.level = 0

    # -- helpers
    def advance(self):
        tok = self.tok
        i = self.i = self.i + 1
        if i < len(self.toks):  # past the end: stays on "eof"
            self.tok = self.toks[i]
        return tok

    def at(self, op: str) -> bool:
        tok = self.tok
        return tok[1] == op and tok[0] == "op"

    def expect(self, op: str):
        if not self.at(op):
            raise self.fail(f"expected {op!r}, found {_show(self.tok)}")
        return self.advance()

    def fail(self, message: str, tok=None, cls=CompileError):
        return error(self.text, (tok or self.tok)[2], message, cls)

    def enter(self):
        self.level += 1
        if self.level > MAX_NESTING:
            raise self.fail(f"expression nested deeper than {MAX_NESTING} levels")

    # -- grammar
    def expr(self):
        self.enter()
        try:
            cond = self.binary(1)
            if self.at("?"):
                off = self.advance()[2]
                then = self.binary(1)
                self.expect(":")
                other = self.expr()
                return ("cond", off, cond, then, other)
            return cond
        finally:
            self.level -= 1

    def binary(self, lowest: int):
        """The binary operators of precedence ``lowest`` and above (``_BINARY``), all
        left-associative: the trees one function per precedence level makes (``||`` over
        ``&&`` over relations ...), with one call per operand level instead of five (CEL
        rules are parsed on first use in a run, ~60 of them for the Gateway API kinds)."""
        left = self.unary()
        while True:
            kind, value, off = self.tok
            if kind == "op":
                prec = _BINARY.get(value)
                if prec is None or prec < lowest:
                    return left
            elif kind == "ident" and value == "in" and lowest <= _IN:
                prec = _IN
            else:
                return left
            self.advance()
            right = self.binary(prec + 1)
            if prec == _OR:
                left = ("or", off, left, right)
            elif prec == _AND:
                left = ("and", off, left, right)
            else:
                left = ("op", off, value, left, right)

    def unary(self):
        tok = self.tok
        if tok[0] == "op" and (tok[1] == "!" or tok[1] == "-"):
            self.level += 1
            if self.level > MAX_DEPTH:
                raise self.fail(f"expression nested deeper than {MAX_DEPTH} levels")
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

    def _postfix_follows(self) -> bool:
        """Is the literal after a unary minus followed by `.` or `[` (then `-` applies to the
        whole member expression, e.g. ``-1.abs()``)?"""
        nxt = self.toks[min(self.i + 1, len(self.toks) - 1)]
        return nxt[0] == "op" and nxt[1] in (".", "[")

    def member(self):
        node = self.primary()
        while True:
            tok = self.tok
            if tok[0] != "op" or tok[1] not in _POSTFIX:
                return node  # the usual case: no selection, index or call follows
            if tok[1] == ".":
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
            elif tok[1] == "[":
                off = self.advance()[2]
                optional = False
                if self.at("?"):
                    self.advance()
                    optional = True
                index = self.expr()
                self.expect("]")
                node = ("index", off, node, index, optional)
            else:  # "{"
                raise self.fail("message construction is not supported", cls=Unsupported)

    def ident_name(self, member: bool = False) -> str:
        """An identifier; after `.` (``member``) a reserved word is a valid field or method
        name (``{'as': 1}.as``), as cel-spec's conformance tests have it."""
        kind, value, off = self.tok
        if kind != "ident":
            raise self.fail(f"expected a field name, found {_show(self.tok)}")
        if not member and (value in RESERVED or value in ("true", "false", "null", "in")):
            raise self.fail(f"reserved identifier {value!r}")
        self.advance()
        return value

    def args(self) -> list:
        self.expect("(")
        out = []
        if not self.at(")"):
            out.append(self.expr())
            while self.at(","):
                self.advance()
                out.append(self.expr())
        self.expect(")")
        return out

    def primary(self):
        kind, value, off = self.tok
        if kind in ("int", "uint", "double", "string", "bytes"):
            self.advance()
            if kind == "int" and value > INT64_MAX:
                raise error(self.text, off, "int literal out of range")
            return ("lit", off, UInt(value) if kind == "uint" else value)
        if kind == "ident":
            if value == "true":
                self.advance()
                return ("lit", off, True)
            if value == "false":
                self.advance()
                return ("lit", off, False)
            if value == "null":
                self.advance()
                return ("lit", off, None)
            name = self.ident_name()
            if self.at("("):
                return ("call", off, None, name, self.args())
            return ("ident", off, name)
        if kind == "op":
            if value == "(":
                self.advance()
                inner = self.expr()
                self.expect(")")
                return inner
            if value == "[":
                return self.list_literal()
            if value == "{":
                return self.map_literal()
            if value == ".":
                raise self.fail("leading-dot (root-scoped) names are not supported", cls=Unsupported)
        raise self.fail(f"unexpected {_show(self.tok)}")

    def list_literal(self):
        off = self.expect("[")[2]
        elems = []
        while not self.at("]"):
            optional = False
            if self.at("?"):
                self.advance()
                optional = True
            elems.append((self.expr(), optional))
            if not self.at(","):
                break
            self.advance()
        self.expect("]")
        return ("list", off, elems)

    def map_literal(self):
        off = self.expect("{")[2]
        entries = []
        while not self.at("}"):
            optional = False
            if self.at("?"):
                self.advance()
                optional = True
            key = self.expr()
            self.expect(":")
            entries.append((key, self.expr(), optional))
            if not self.at(","):
                break
            self.advance()
        self.expect("}")
        return ("map", off, entries)

