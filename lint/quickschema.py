"""A quick yes/don't-know JSON Schema check, so that valid documents never pay for
importing jsonschema (about 50 ms: most of a one-file pre-commit run).

``is_valid(schema, value)`` returns True only when it is sure the value is valid; False
means "invalid, or not sure" (a keyword it does not know, a reference it cannot follow):
then run the real validator, which also explains the errors.  It knows the keywords of the
schemas this project ships (type, properties, required, additionalProperties, items,
enum, const, minimum, maximum, minItems, maxItems, minLength, maxLength, pattern, allOf,
anyOf, oneOf, not, if/then/else, local ``$ref``).
"""

from __future__ import annotations

import re

_NOTES = frozenset({
    "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated",
    "readOnly", "writeOnly", "$defs", "definitions", "$anchor", "format",
})
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def json_type(value) -> str:
    """The JSON Schema type name of a decoded value ("null", "boolean", "integer",
    "number", "string", "array", "object"); the Python type's name for anything else.
    A bool is a boolean, not an integer; a float is a number, even when integral."""
    if value is None:
        return "null"
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"), (dict, "object"))


class _Unsure(Exception):
    pass


def _equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


class _Checker:
    """The checks of one root schema.  Each schema node is read once into its steps: the
    (handler, argument) of each keyword it checks, in the node's order (the order decides
    whether an unknown keyword makes the answer "not sure" before a failed one says
    "invalid"); the handlers are the keywords' rules, one method each."""

    def __init__(self, root: dict):
        self.root = root
        self.patterns: dict = {}
        self.steps: dict = {}  # id(schema node) -> (node, its steps): the node is kept, its id not reused
        self.refs: dict = {}  # $ref -> the node it names

    def ref(self, ref: str):
        got = self.refs.get(ref) if isinstance(ref, str) else None
        if got is not None:
            return got
        if not ref.startswith("#/"):
            raise _Unsure
        node = self.root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise _Unsure
            node = node[part]
        self.refs[ref] = node
        return node

    def pattern(self, p: str):
        rx = self.patterns.get(p)
        if rx is None:
            rx = self.patterns[p] = re.compile(p)
        return rx

    def plan(self, schema: dict) -> tuple:
        hit = self.steps.get(id(schema))
        if hit is not None and hit[0] is schema:
            return hit[1]
        steps = []
        for kw, arg in schema.items():
            if kw in _NOTES or kw.startswith("x-") or kw in ("then", "else"):
                continue  # then/else: with "if"
            steps.append((_HANDLERS.get(kw, _Checker.unknown), arg))
        steps = tuple(steps)
        self.steps[id(schema)] = (schema, steps)
        return steps

    def ok(self, schema, v, depth: int = 0) -> bool:
        if schema is True or schema == {}:
            return True
        if schema is False:
            return False
        if not isinstance(schema, dict) or depth > 64:
            raise _Unsure
        for handler, arg in self.plan(schema):
            if not handler(self, arg, schema, v, depth):
                return False
        return True

    # ---- one method per keyword: (argument, the schema node, value, depth) -> ok?
    def unknown(self, arg, schema, v, depth) -> bool:
        raise _Unsure

    def k_ref(self, arg, schema, v, depth) -> bool:
        return self.ok(self.ref(arg), v, depth + 1)

    def k_type(self, arg, schema, v, depth) -> bool:
        names = arg if isinstance(arg, list) else [arg]
        if any(n not in _TYPES for n in names):
            raise _Unsure
        return any(_TYPES[n](v) for n in names)

    def k_enum(self, arg, schema, v, depth) -> bool:
        return any(_equal(v, e) for e in arg)

    def k_const(self, arg, schema, v, depth) -> bool:
        return _equal(v, arg)

    def k_minimum(self, arg, schema, v, depth) -> bool:
        return not (_TYPES["number"](v) and v < arg)

    def k_maximum(self, arg, schema, v, depth) -> bool:
        return not (_TYPES["number"](v) and v > arg)

    def k_exclusive_minimum(self, arg, schema, v, depth) -> bool:
        return not (_TYPES["number"](v) and v <= arg)

    def k_exclusive_maximum(self, arg, schema, v, depth) -> bool:
        return not (_TYPES["number"](v) and v >= arg)

    def k_min_length(self, arg, schema, v, depth) -> bool:
        return not (isinstance(v, str) and len(v) < arg)

    def k_max_length(self, arg, schema, v, depth) -> bool:
        return not (isinstance(v, str) and len(v) > arg)

    def k_pattern(self, arg, schema, v, depth) -> bool:
        return not (isinstance(v, str) and not self.pattern(arg).search(v))

    def k_min_items(self, arg, schema, v, depth) -> bool:
        return not (isinstance(v, list) and len(v) < arg)

    def k_max_items(self, arg, schema, v, depth) -> bool:
        return not (isinstance(v, list) and len(v) > arg)

    def k_items(self, arg, schema, v, depth) -> bool:
        if isinstance(v, list):
            if not isinstance(arg, dict) and not isinstance(arg, bool):
                raise _Unsure  # tuple form
            for item in v:
                if not self.ok(arg, item, depth + 1):
                    return False
        return True

    def k_unique_items(self, arg, schema, v, depth) -> bool:
        if isinstance(v, list) and arg:
            raise _Unsure
        return True

    def k_properties(self, arg, schema, v, depth) -> bool:
        if isinstance(v, dict):
            for k, sub in arg.items():
                if k in v and not self.ok(sub, v[k], depth + 1):
                    return False
        return True

    def k_required(self, arg, schema, v, depth) -> bool:
        return not isinstance(v, dict) or all(k in v for k in arg)

    def k_all_of(self, arg, schema, v, depth) -> bool:
        for s in arg:
            if not self.ok(s, v, depth + 1):
                return False
        return True

    def k_any_of(self, arg, schema, v, depth) -> bool:
        return any(self._try(s, v, depth) for s in arg)

    def k_one_of(self, arg, schema, v, depth) -> bool:
        return sum(1 for s in arg if self._try(s, v, depth)) == 1

    def k_not(self, arg, schema, v, depth) -> bool:
        return not self._try(arg, v, depth)

    def k_if(self, arg, schema, v, depth) -> bool:
        branch = schema.get("then") if self._try(arg, v, depth) else schema.get("else")
        return branch is None or self.ok(branch, v, depth + 1)

    def _try(self, schema, v, depth) -> bool:
        return self.ok(schema, v, depth + 1)

    def object_ok(self, kw, arg, schema, v: dict, depth: int) -> bool:
        if kw == "minProperties":
            return len(v) >= arg
        if kw == "maxProperties":
            return len(v) <= arg
        if kw == "patternProperties":
            return all(
                self.ok(sub, val, depth + 1)
                for p, sub in arg.items() for k, val in v.items() if self.pattern(p).search(str(k))
            )
        # additionalProperties
        props = schema.get("properties") or {}
        pats = [self.pattern(p) for p in (schema.get("patternProperties") or {})]
        extra = [k for k in v if k not in props and not any(p.search(str(k)) for p in pats)]
        return all(self.ok(arg, v[k], depth + 1) for k in extra)


def _object_handler(kw: str):
    def handler(self, arg, schema, v, depth) -> bool:
        return not isinstance(v, dict) or self.object_ok(kw, arg, schema, v, depth)
    return handler


_HANDLERS = {
    "$ref": _Checker.k_ref, "type": _Checker.k_type, "enum": _Checker.k_enum, "const": _Checker.k_const,
    "minimum": _Checker.k_minimum, "maximum": _Checker.k_maximum,
    "exclusiveMinimum": _Checker.k_exclusive_minimum, "exclusiveMaximum": _Checker.k_exclusive_maximum,
    "minLength": _Checker.k_min_length, "maxLength": _Checker.k_max_length, "pattern": _Checker.k_pattern,
    "minItems": _Checker.k_min_items, "maxItems": _Checker.k_max_items, "items": _Checker.k_items,
    "uniqueItems": _Checker.k_unique_items,
    "properties": _Checker.k_properties, "required": _Checker.k_required,
    **{kw: _object_handler(kw) for kw in (
        "additionalProperties", "patternProperties", "minProperties", "maxProperties")},
    "allOf": _Checker.k_all_of, "anyOf": _Checker.k_any_of, "oneOf": _Checker.k_one_of, "not": _Checker.k_not,
    "if": _Checker.k_if,
}

_CHECKERS: dict = {}  # id(root schema) -> (the root, its _Checker): the root is kept, its id not reused


def is_valid(schema: dict, value) -> bool:
    """True when ``value`` is surely valid against ``schema``; False when it is invalid or
    this checker cannot tell."""
    hit = _CHECKERS.get(id(schema))
    if hit is not None and hit[0] is schema:
        checker = hit[1]
    else:
        checker = _Checker(schema)
        if len(_CHECKERS) < 64:
            _CHECKERS[id(schema)] = (schema, checker)
    try:
        return checker.ok(schema, value)
    except (_Unsure, RecursionError, TypeError, re.error):
        return False
