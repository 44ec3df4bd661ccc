"""What the rules of one schema node can read of ``self``, so that their verdicts can be
kept by that part of the value alone.

Copies of a stack differ in names: a route's rules name their backends, so no two routes
of two tenants have the same ``spec.rules[0]``, yet the five rules attached there read only
its matches, its filters and how many backends it has.  ``Reads`` is what an expression can
observe of a value, found on its syntax tree (the same tree the compiler compiles):

* a chain of field selections from ``self`` or from a macro's variable (``self.a.b``,
  ``has(self.a.b)``, ``self.?a``, ``self['a']``) reads the presence of each field along it;
* ``size()`` of such a chain reads the length of a list (all of a map: its keys);
* an index that is not a string literal, or a macro's iteration (``all``, ``exists``,
  ``exists_one``, ``filter``, ``map``), reads the length of a list and binds each element
  (of a map: all of it, its keys are the elements);
* a chain used in any other way -- compared, passed to a function, returned, in a list or
  map literal, a macro's predicate or transform, the elements a ``filter`` returns -- is
  read whole.

``key(value, reads(texts))`` is then the value cut down to what is read: read fields that are
present (name, then value, in a fixed order), list lengths, elements; everything whole where the value does
not have the shape the reads expect (a field read on a list, a scalar).  Two values with
the same key cannot be told apart by the rules: same fields present, same lengths, same
values wherever a value is read, the same errors (a missing key names the field, a
wrong-shaped value is whole).  The key is the ``repr`` of that cut, exact in types (1,
1.0, True and "1" differ) for the values ``to_cel`` makes (str, int, float, bool, None,
bytes, lists, dicts, durations and timestamps, each printed in full).
"""

from __future__ import annotations

from .parser import parse

_MACROS = frozenset(("all", "exists", "exists_one", "existsOne", "map", "filter"))
_TWO_VAR = frozenset(("all", "exists", "exists_one", "existsOne"))


class Reads:
    """What is read of one value: ``whole``, or the ``fields`` read (name -> Reads), the
    ``elems`` read of each element, whether its ``size`` or its keys (``keyed``: iterated
    or indexed by something else than a string literal) are read."""

    __slots__ = ("whole", "fields", "elems", "size", "keyed")

    def __init__(self):
        self.whole = False
        self.fields: dict = {}
        self.elems = None
        self.size = False
        self.keyed = False

    def field(self, name) -> "Reads":
        got = self.fields.get(name)
        if got is None:
            got = self.fields[name] = Reads()
        return got

    def elem(self) -> "Reads":
        if self.elems is None:
            self.elems = Reads()
        return self.elems


def _whole(r) -> None:
    if r is not None:
        r.whole = True


class _Analysis:
    def __init__(self, root: Reads):
        self.scope = {"self": root}

    def path(self, node):
        """The Reads of ``node`` when it is a chain from a variable, else None (its
        operands' reads recorded)."""
        kind = node[0]
        if kind == "lit":
            return None
        if kind == "ident":
            return self.scope.get(node[2])
        if kind == "select":
            r = self.path(node[2])
            return None if r is None else r.field(node[3])
        if kind == "index":
            idx = node[3]
            r = self.path(node[2])
            if idx[0] == "lit" and type(idx[2]) is str:
                return None if r is None else r.field(idx[2])
            _whole(self.path(idx))
            if r is None:
                return None
            r.keyed = True
            return r.elem()
        if kind == "call":
            self.call(node)
            return None
        if kind == "list":
            for e, _ in node[2]:
                _whole(self.path(e))
            return None
        if kind == "map":
            for k, v, _ in node[2]:
                _whole(self.path(k))
                _whole(self.path(v))
            return None
        if kind in ("not", "neg"):
            _whole(self.path(node[2]))
            return None
        if kind in ("and", "or"):
            _whole(self.path(node[2]))
            _whole(self.path(node[3]))
            return None
        if kind == "cond":
            for sub in node[2:5]:
                _whole(self.path(sub))
            return None
        if kind == "op":
            _whole(self.path(node[3]))
            _whole(self.path(node[4]))
            return None
        raise ValueError(f"unknown node {kind!r}")

    def call(self, node) -> None:
        _, _, target, name, args = node
        if target is None:
            if name == "has" and len(args) == 1 and args[0][0] == "select":
                r = self.path(args[0][2])
                if r is not None:
                    r.field(args[0][3])
                return
            if name == "size" and len(args) == 1:
                r = self.path(args[0])
                if r is not None:
                    r.size = True
                return
            for a in args:
                _whole(self.path(a))
            return
        if name in _MACROS and len(args) in (2, 3) and (target[0] != "ident" or target[2] in self.scope):
            self.macro(node)
            return
        if name == "size" and not args:
            r = self.path(target)
            if r is not None:
                r.size = True
            return
        _whole(self.path(target))
        for a in args:
            _whole(self.path(a))

    def macro(self, node) -> None:
        _, _, target, name, args = node
        two = len(args) == 3 and name in _TWO_VAR
        names = args[:2] if two else args[:1]
        r = self.path(target)
        if r is not None:
            r.keyed = True
        bound = [None, None if r is None else r.elem()] if two else [None if r is None else r.elem()]
        saved = []
        for var, b in zip(names, bound):
            if var[0] != "ident":
                raise ValueError("macro variable")
            saved.append((var[2], self.scope.get(var[2], _MISSING)))
            self.scope[var[2]] = b
        try:
            for a in args[len(names):]:
                _whole(self.path(a))
        finally:
            for var, before in reversed(saved):
                if before is _MISSING:
                    del self.scope[var]
                else:
                    self.scope[var] = before
        if name == "filter" and r is not None:
            r.elem().whole = True  # the elements it returns


_MISSING = object()
_CACHE: dict = {}


_TREES: dict = {}  # text -> its syntax tree


def parsed(text: str):
    """``parse(text)``, kept (the compiler and the analysis read one tree); raises as parse."""
    tree = _TREES.get(text)
    if tree is None:
        tree = parse(text)
        if len(_TREES) < 10_000:
            _TREES[text] = tree
    return tree


def _tree(text: str):
    try:
        return parsed(text)
    except Exception:  # CompileError, RecursionError
        return None


def analyse_into(root: Reads, texts) -> bool:
    """Add what ``texts`` read of ``self`` to ``root`` (False: one does not parse)."""
    try:
        for text in texts:
            tree = _tree(text)
            if tree is None:
                return False
            _whole(_Analysis(root).path(tree))
    except Exception:  # RecursionError, an unknown node
        return False
    return True


def cutter(root: Reads):
    """The cut of ``root`` (see ``key``)."""
    return _cutter(root)


def reads(texts):
    """The cut (see ``key``) of what the expressions ``texts`` (the rules of one node and
    their message expressions) read of ``self``, together; None when one of them does
    not parse."""
    key = tuple(texts)
    if key in _CACHE:
        return _CACHE[key]
    root = Reads()
    got = _cutter(root) if analyse_into(root, texts) else None
    if len(_CACHE) < 10_000:
        _CACHE[key] = got
    return got


def _whole_value(v):
    return v


def _cutter(r: Reads):
    """A function of a value: the value cut down to ``r`` (see ``key``)."""
    if r.whole:
        return _whole_value
    dict_whole = r.keyed or r.size or r.elems is not None
    # (name, its cut, or None: read whole)
    fields = tuple((name, None if sub.whole else _cutter(sub)) for name, sub in r.fields.items())
    elems = None if r.elems is None else _cutter(r.elems)

    def cut(v):
        t = type(v)
        if t is dict:
            if dict_whole:
                return v
            out = ["d"]
            for name, sub in fields:
                if name in v:
                    x = v[name]
                    out += (name, x if sub is None else sub(x))
            return tuple(out)
        if t is list:
            if fields:
                return v
            if elems is None:
                return ("l", len(v))
            return ("l", *[elems(x) for x in v])
        return v
    return cut


def key(value, cut) -> str:
    """The ``repr`` of ``value`` cut down to what is read (``cut``: from ``reads``; may
    raise RecursionError, ValueError)."""
    return repr(cut(value))
