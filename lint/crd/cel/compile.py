"""CEL syntax trees compiled to nested Python closures over plain values.

``compile_expr(text)`` parses and compiles once; ``Program.evaluate({"self": v})`` runs it.
Each node becomes a function ``ev(env)``: ``env`` is a list whose slot 0 holds ``self`` and
whose other slots hold the macros' iteration variables (a slot per variable, fixed at
compile time, so a lookup is one ``itemgetter``).  Nothing is generated as source text:
rule texts come from linted trees.

Errors are ``CelError`` exceptions; ``&&``, ``||`` and the ``all``/``exists`` macros catch them
where CEL lets the other operand decide (in either order), ``?:`` fails on a failing
condition, and every function is strict (an erroring argument is the result).  Macros:
``has``, ``all``/``exists``/``exists_one`` (also with two variables: index or key, and
value), ``map`` (2 and 3 arguments), ``filter``; on an optional value, ``.f`` and ``[k]``
chain (a missing field gives ``optional.none()``).
"""

from __future__ import annotations

from operator import itemgetter

from .library import FAST, GLOBAL, MEMBER
from .lexer import CompileError, Unsupported, error
from .parser import RESERVED, UInt, parse
from .values import (
    INT64_MAX,
    INT64_MIN,
    BUDGET,
    BUDGET_STEPS,
    charge,
    NONE,
    TYPE_CONSTANTS,
    CelError,
    NoSuchKey,
    Optional,
    add,
    compare,
    contains,
    div,
    eq,
    index,
    mod,
    mul,
    neg,
    no_overload,
    select,
    sub,
)

VARIABLES = ("self",)
MAX_ITERATIONS = BUDGET_STEPS  # see values.BUDGET
_MACROS = frozenset(("all", "exists", "exists_one", "existsOne", "map", "filter"))
_TWO_VAR = frozenset(("all", "exists", "exists_one", "existsOne"))  # cel-go's two-variable forms
_TYPE_IDENTS = {
    "bool": "bool", "int": "int", "uint": "uint", "double": "double", "string": "string", "bytes": "bytes",
    "list": "list", "map": "map", "null_type": "null_type", "type": "type",
}


class Program:
    """A compiled rule: ``evaluate(activation)`` returns its value or raises CelError."""

    __slots__ = ("text", "fn", "slots", "variables")

    def __init__(self, text: str, fn, slots: int, variables=VARIABLES):
        self.text = text
        self.fn = fn
        self.slots = slots
        self.variables = tuple(variables)

    def evaluate(self, activation: dict):
        BUDGET[0] = MAX_ITERATIONS
        env = [activation.get(name) for name in self.variables]
        env.extend([None] * (self.slots - len(env)))
        return self.fn(env)

    def run(self, value):
        """The rule's value with ``self`` bound to ``value`` (the hot path)."""
        BUDGET[0] = MAX_ITERATIONS
        if self.slots == 1:
            return self.fn([value])
        env = [None] * self.slots
        env[0] = value
        return self.fn(env)


def compile_expr(text: str, variables=VARIABLES, kubernetes: bool = True, tree=None) -> Program:
    """``kubernetes``: property names that are CEL reserved words exist only escaped
    (``__namespace__``), so selecting ``.namespace`` is an error of the rule, as the API
    server's type checker reports it when the CRD is created.  ``tree``: ``parse(text)``,
    when the caller has it."""
    if tree is None:
        tree = parse(text)
    c = _Compiler(text, variables)
    c.kubernetes = kubernetes
    fn = c.compile(tree)
    return Program(text, fn, c.slots, variables)


def _int_comparison(op: str, a, lit: int, name: str):
    """``a OP lit`` for an int literal: compare()'s answer, with an int on the left compared
    directly (compare gives -1, 0 or 1 for two ints; any other left side goes through it)."""
    if op == "<":
        def ev(env):
            v = a(env)
            return v < lit if type(v) is int else compare(v, lit, name) == -1
    elif op == "<=":
        def ev(env):
            v = a(env)
            return v <= lit if type(v) is int else compare(v, lit, name) in (-1, 0)
    elif op == ">":
        def ev(env):
            v = a(env)
            return v > lit if type(v) is int else compare(v, lit, name) == 1
    else:
        def ev(env):
            v = a(env)
            return v >= lit if type(v) is int else compare(v, lit, name) in (1, 0)
    return ev


def _const(value):
    def ev(env):
        return value
    ev.const = value
    return ev


class _Compiler:
    kubernetes = True

    def __init__(self, text: str, variables):
        self.text = text
        self.scope = {name: i for i, name in enumerate(variables)}
        self.slots = len(variables)

    def fail(self, node, message: str, cls=CompileError):
        return error(self.text, node[1], message, cls)

    def compile(self, node):
        return getattr(self, "c_" + node[0])(node)

    # ---- leaves
    def c_lit(self, node):
        return _const(node[2])

    def c_ident(self, node):
        name = node[2]
        slot = self.scope.get(name)
        if slot is not None:
            return itemgetter(slot)
        if name in _TYPE_IDENTS:
            return _const(TYPE_CONSTANTS[_TYPE_IDENTS[name]])
        raise self.fail(node, f"undeclared reference to {name!r}", Unsupported)

    # ---- operators
    def c_not(self, node):
        a = self.compile(node[2])

        def ev(env):
            v = a(env)
            if v is True:
                return False
            if v is False:
                return True
            raise no_overload("!_", v)
        return ev

    def c_neg(self, node):
        a = self.compile(node[2])
        return lambda env: neg(a(env))

    def c_and(self, node):
        a = self.compile(node[2])
        b = self.compile(node[3])

        def ev(env):
            try:
                left = a(env)
            except CelError as err:
                try:
                    right = b(env)
                except CelError:
                    raise err from None
                if right is False:
                    return False
                raise err from None
            if left is False:
                return False
            right = b(env)
            if right is False:
                return False
            if left is True and right is True:
                return True
            raise no_overload("_&&_", left, right)
        return ev

    def c_or(self, node):
        a = self.compile(node[2])
        b = self.compile(node[3])

        def ev(env):
            try:
                left = a(env)
            except CelError as err:
                try:
                    right = b(env)
                except CelError:
                    raise err from None
                if right is True:
                    return True
                raise err from None
            if left is True:
                return True
            right = b(env)
            if right is True:
                return True
            if left is False and right is False:
                return False
            raise no_overload("_||_", left, right)
        return ev

    def c_cond(self, node):
        c = self.compile(node[2])
        a = self.compile(node[3])
        b = self.compile(node[4])

        def ev(env):
            v = c(env)
            if v is True:
                return a(env)
            if v is False:
                return b(env)
            raise no_overload("_?_:_", v)
        return ev

    def c_op(self, node):
        op = node[2]
        a = self.compile(node[3])
        b = self.compile(node[4])
        if op == "==" or op == "!=":
            want = op == "=="
            lit = getattr(b, "const", _MISSING)
            if type(lit) is str:  # `x == 'literal'`: only a string can equal a string
                if want:
                    return lambda env: (type(v := a(env)) is str and v == lit)
                return lambda env: not (type(v := a(env)) is str and v == lit)
            if want:
                return lambda env: eq(a(env), b(env))
            return lambda env: not eq(a(env), b(env))
        if op == "in":
            strings = _string_set(node[4])
            if strings is not None:  # `x in ['A', 'B']`: a set lookup for a string
                as_list = list(strings)

                def ev(env):
                    v = a(env)
                    if type(v) is str:
                        return v in strings
                    return contains(as_list, v)
                return ev
            return lambda env: contains(b(env), a(env))
        if op in ("<", "<=", ">", ">="):
            name = f"_{op}_"
            lit = getattr(b, "const", _MISSING)
            if type(lit) is int:  # `x > 3`: two ints compare as Python's ints do
                return _int_comparison(op, a, lit, name)
            if op == "<":
                def ev(env):
                    return compare(a(env), b(env), name) == -1
            elif op == "<=":
                def ev(env):
                    return compare(a(env), b(env), name) in (-1, 0)
            elif op == ">":
                def ev(env):
                    return compare(a(env), b(env), name) == 1
            else:
                def ev(env):
                    return compare(a(env), b(env), name) in (1, 0)
            return ev
        if op == "+":
            def ev(env):
                x = a(env)
                y = b(env)
                if type(x) is int and type(y) is int:  # the common case, without add's dispatch
                    r = x + y
                    if INT64_MIN <= r <= INT64_MAX:
                        return r
                return add(x, y)
            return ev
        fn = {"-": sub, "*": mul, "/": div, "%": mod}[op]
        return lambda env: fn(a(env), b(env))

    # ---- members
    def check_field(self, node, field):
        if self.kubernetes and field in RESERVED:
            raise self.fail(node, f"undefined field '{field}' (Kubernetes exposes it as __{field}__)")

    def c_select(self, node):
        _, off, operand, field, optional = node
        self.check_field(node, field)
        if operand[0] == "ident" and operand[2] not in self.scope and operand[2] not in _TYPE_IDENTS:
            raise self.fail(node, f"undeclared reference to '{operand[2]}.{field}'", Unsupported)
        a = self.compile(operand)
        if optional:
            def ev(env):
                o = a(env)
                if type(o) is Optional:
                    if not o.present:
                        return o
                    o = o.value
                if type(o) is dict:
                    if field in o:
                        return Optional(o[field], True)
                    return NONE
                raise CelError(f"type does not support optional field selection: {field}")
            return ev

        def ev(env):
            o = a(env)
            if type(o) is dict:
                try:
                    return o[field]
                except KeyError:
                    raise NoSuchKey(field) from None
            if type(o) is Optional:  # optional chaining: `opt.f` is `opt.?f`
                if not o.present:
                    return o
                o = o.value
                if type(o) is dict:
                    return Optional(o[field], True) if field in o else NONE
                return Optional(select(o, field), True)
            return select(o, field)
        return ev

    def c_index(self, node):
        _, off, operand, idx, optional = node
        a = self.compile(operand)
        i = self.compile(idx)
        if optional:
            def ev(env):
                o = a(env)
                k = i(env)
                if type(o) is Optional:
                    if not o.present:
                        return o
                    o = o.value
                try:
                    return Optional(index(o, k), True)
                except NoSuchKey:
                    return NONE
                except CelError:
                    if type(o) is list:
                        return NONE
                    raise
            return ev

        def ev(env):
            o = a(env)
            k = i(env)
            if type(o) is Optional:  # optional chaining: `opt[k]` is `opt[?k]`
                if not o.present:
                    return o
                try:
                    return Optional(index(o.value, k), True)
                except NoSuchKey:
                    return NONE
                except CelError:
                    if type(o.value) is list:
                        return NONE
                    raise
            return index(o, k)
        return ev

    def c_list(self, node):
        elems = [(self.compile(e), opt) for e, opt in node[2]]
        if not any(opt for _, opt in elems):
            fns = [f for f, _ in elems]
            if all(hasattr(f, "const") for f in fns):
                values = [f.const for f in fns]
                return lambda env: list(values)
            return lambda env: [f(env) for f in fns]

        def ev(env):
            out = []
            for f, opt in elems:
                v = f(env)
                if opt:
                    if type(v) is not Optional:
                        raise CelError("optional list element is not an optional value")
                    if v.present:
                        out.append(v.value)
                else:
                    out.append(v)
            return out
        return ev

    def c_map(self, node):
        entries = [(self.compile(k), self.compile(v), opt) for k, v, opt in node[2]]

        def ev(env):
            out = {}
            seen = []
            for kf, vf, opt in entries:
                k = kf(env)
                if type(k) not in (str, int, bool, UInt):
                    raise CelError(f"unsupported map key type: {type(k).__name__}")
                v = vf(env)
                if opt:
                    if type(v) is not Optional:
                        raise CelError("optional map entry is not an optional value")
                    if not v.present:
                        continue
                    v = v.value
                if any(eq(k, s) for s in seen):  # 0 and 0u are one key, as in cel-go
                    raise CelError(f"repeated key in a map literal: {k!r}")
                if type(k) is bool and any(type(s) is not bool and s == k for s in seen):
                    raise CelError("bool and int map keys together are not supported")
                seen.append(k)
                out[k] = v
            return out
        return ev

    # ---- calls and macros
    def c_call(self, node):
        _, off, target, name, args = node
        if target is None:
            if name == "has":
                return self.macro_has(node)
            fn = GLOBAL.get(name)
            if fn is None:
                raise self.fail(node, f"unsupported function {name}()", Unsupported)
            return self.call(node, fn, name, [self.compile(a) for a in args])
        if name in _MACROS and len(args) in (2, 3) and (target[0] != "ident" or target[2] in self.scope):
            return self.macro(node)
        if target[0] == "ident" and target[2] not in self.scope and target[2] not in _TYPE_IDENTS:
            qualified = f"{target[2]}.{name}"
            fn = GLOBAL.get(qualified)
            if fn is None:
                raise self.fail(node, f"unsupported function {qualified}()", Unsupported)
            return self.call(node, fn, qualified, [self.compile(a) for a in args])
        fn = MEMBER.get(name)
        if fn is None:
            raise self.fail(node, f"unsupported method .{name}()", Unsupported)
        special = FAST.get((name, len(args)))
        compiled = [self.compile(target)] + [self.compile(a) for a in args]
        if special is not None:
            made = special(compiled, [target] + list(args))
            if made is not None:
                return made
        return self.call(node, fn, name, compiled)

    def call(self, node, spec, name, fns):
        fn, arities = spec
        if len(fns) not in arities:
            raise self.fail(node, f"{name}() takes {' or '.join(str(a) for a in sorted(arities))} arguments, not {len(fns)}")
        if len(fns) == 0:
            return lambda env: fn()
        if len(fns) == 1:
            f0 = fns[0]
            return lambda env: fn(f0(env))
        if len(fns) == 2:
            f0, f1 = fns
            return lambda env: fn(f0(env), f1(env))
        return lambda env: fn(*[f(env) for f in fns])

    def macro_has(self, node):
        args = node[4]
        if len(args) != 1 or args[0][0] != "select" or args[0][4]:
            raise self.fail(node, "invalid argument to has() macro")
        _, off, operand, field, _ = args[0]
        self.check_field(args[0], field)
        if operand[0] == "ident" and operand[2] not in self.scope:
            raise self.fail(node, f"undeclared reference to '{operand[2]}'", Unsupported)
        a = self.compile(operand)

        def ev(env):
            o = a(env)
            if type(o) is dict:
                return field in o
            if type(o) is Optional:
                if not o.present:
                    return False
                o = o.value
                if type(o) is dict:
                    return field in o
            raise no_overload("has", o)
        return ev

    def macro(self, node):
        _, off, target, name, args = node
        two = len(args) == 3 and name in _TWO_VAR
        names = args[:2] if two else args[:1]
        for var in names:
            if var[0] != "ident":
                raise self.fail(var, f"the first argument of {name}() must be a variable name")
        if name != "map" and len(args) != 2 and not two:
            raise self.fail(node, f"{name}() takes 2 arguments")
        rng = self.compile(target)
        slots = []
        saved = []
        for var in names:
            slots.append(self.slots)
            saved.append((var[2], self.scope.get(var[2])))
            self.scope[var[2]] = self.slots
            self.slots += 1
        try:
            body = [self.compile(a) for a in args[len(names):]]
        finally:
            for var, before in reversed(saved):
                if before is None:
                    del self.scope[var]
                else:
                    self.scope[var] = before
        if name == "existsOne":
            name = "exists_one"
        if two:
            return _two_var(name, rng, slots[0], slots[1], body[0])
        return getattr(_Macros, name)(rng, slots[0], *body)


_MISSING = object()


def _string_set(node):
    """The strings of a list literal of string literals, as a frozenset (else None)."""
    if node[0] != "list" or not node[2]:
        return None
    out = []
    for e, opt in node[2]:
        if opt or e[0] != "lit" or type(e[2]) is not str:
            return None
        out.append(e[2])
    return frozenset(out)


def _items(r, name):
    t = type(r)
    if t is list:
        items = r
    elif t is dict:
        items = list(r)
    else:
        raise no_overload(name, r)
    left = BUDGET[0] - len(items)
    BUDGET[0] = left
    if left < 0:
        raise CelError("evaluation cost limit exceeded")
    return items


class _Macros:
    """Comprehensions as cel-go expands them: ``all``/``exists`` fold with ``&&``/``||`` (an
    element's error is absorbed when another element decides); ``exists_one``, ``filter`` and
    ``map`` keep an error (the last failing predicate's, as cel-go's folds do)."""

    @staticmethod
    def all(rng, slot, pred):
        return _fold(_bind_one(rng, slot, "all"), pred, False, "_&&_")

    @staticmethod
    def exists(rng, slot, pred):
        return _fold(_bind_one(rng, slot, "exists"), pred, True, "_||_")

    @staticmethod
    def exists_one(rng, slot, pred):
        return _count_one(_bind_one(rng, slot, "exists_one"), pred)

    @staticmethod
    def filter(rng, slot, pred):
        bind = _bind_one(rng, slot, "filter")

        def ev(env):
            return [env[slot] for _ in _passing(bind, pred, env)]
        return ev

    @staticmethod
    def map(rng, slot, first, second=None):
        if second is None:
            transform = first

            def ev(env):
                out = []
                for v in _items(rng(env), "map"):
                    env[slot] = v
                    out.append(transform(env))
                return out
            return ev
        pred, transform = first, second
        bind = _bind_one(rng, slot, "map")

        def ev3(env):
            # the predicate's last error (or non-bool) is raised by _passing at the end, so it
            # wins over the first error of a transform, as cel-go has it
            err = None
            out = []
            for _ in _passing(bind, pred, env):
                try:
                    out.append(transform(env))
                except CelError as e:
                    if err is None:
                        err = e
            if err is not None:
                raise err
            return out
        return ev3


def _bind_one(rng, slot, name):
    """The bindings of a one-variable comprehension: each element of the range (a list's
    items, a map's keys) in ``slot``, one per step of the generator."""
    def bind(env):
        for v in _items(rng(env), name):
            env[slot] = v
            yield
    return bind


def _fold(bind, pred, decisive, op):
    """``all`` (``decisive`` False) or ``exists`` (True) over ``bind``'s bindings, folded
    with ``op`` (``&&``/``||``) as cel-go does: the first ``decisive`` answer wins even
    over an earlier element's error; else the first error or non-bool is raised."""
    undecided = not decisive

    def ev(env):
        err = None
        for _ in bind(env):
            try:
                ok = pred(env)
            except CelError as e:
                if err is None:
                    err = e
                continue
            if ok is decisive:
                return decisive
            if ok is not undecided and err is None:
                err = no_overload(op, ok)
        if err is not None:
            raise err
        return undecided
    return ev


def _passing(bind, pred, env):
    """Each of ``bind``'s bindings for which ``pred`` is true (yielded while it is bound);
    an error (the last failing predicate's, or a non-bool's) is raised at the end."""
    err = None
    for _ in bind(env):
        try:
            ok = pred(env)
        except CelError as e:
            err = e
            continue
        if ok is True:
            yield
        elif ok is not False:
            err = no_overload("_?_:_", ok)
    if err is not None:
        raise err


def _count_one(bind, pred):
    """``exists_one`` over ``bind``'s bindings: exactly one true; an error (the last
    failing predicate's) is kept to the end."""
    def ev(env):
        return sum(1 for _ in _passing(bind, pred, env)) == 1
    return ev


def _two_var(name, rng, first, second, pred):
    """``all``, ``exists`` and ``exists_one`` with two variables: (index, element) over a
    list, (key, value) over a map; errors handled as by the one-variable forms (a
    non-bool named by the macro's name, as before)."""
    def bind(env):
        r = rng(env)
        if type(r) is list:
            items = list(enumerate(r))
        elif type(r) is dict:
            items = list(r.items())
        else:
            raise no_overload(name, r)
        charge(len(items))
        for k, v in items:
            env[first] = k
            env[second] = v
            yield

    if name == "exists_one":
        return _count_one(bind, pred)
    return _fold(bind, pred, name == "exists", name)
