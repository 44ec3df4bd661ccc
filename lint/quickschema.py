"""A quick yes/don't-know JSON Schema check, so that valid documents never pay for
importing jsonschema (about 50 ms: most of a one-file pre-commit run).

``is_valid(schema, value)`` returns True only when it is sure the value is valid; False
means "invalid, or not sure" (a keyword it does not know, a reference it cannot follow):
then run the real validator, which also explains the errors.  It knows the keywords of the
schemas this project ships (type, properties, required, additionalProperties, items,
enum, const, minimum, maximum, minItems, maxItems, minLength, maxLength, pattern, allOf,
anyOf, oneOf, not, if/then/else, local ``$ref``).

``iter_errors(schema, value)`` gives the errors themselves, as jsonschema's Draft 2019-09
validator gives them (same order, path, keyword, instance and schema node), for a schema
whose keywords it knows (``explains``); IGW206 asks jsonschema only for other schemas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as _Mapping, Sequence as _Sequence
from collections import namedtuple

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


def _unbool(value, true=object(), false=object()):
    if value is True:
        return true
    if value is False:
        return false
    return value


def _equal(one, two) -> bool:
    """jsonschema's ``equal`` (enum, const): a bool is not a number, containers are
    compared item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, _Sequence) and isinstance(two, _Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, _Mapping) and isinstance(two, _Mapping):
        return len(one) == len(two) and all(k in two and _equal(v, two[k]) for k, v in one.items())
    return _unbool(one) == _unbool(two)


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


# ---- the errors themselves ---------------------------------------------------------------
# For a schema whose every keyword is one of _EXPLAINED, ``iter_errors`` gives the errors
# jsonschema's Draft201909Validator(schema).iter_errors(value) gives, in the same order,
# with the fields IGW206 reads; so an invalid config does not pay for importing jsonschema
# (and building its validators).  Each keyword is written after jsonschema's own, as read
# in jsonschema 4.26 (_keywords.py, _legacy_keywords.py, _utils.py ``equal``); types are
# _TYPES, for decoded JSON and YAML values (jsonschema's "number" is any numbers.Number;
# a decoded number is an int or a float).  A schema with any other Draft 2019-09 keyword,
# a reference that is not a local JSON pointer, a type name or a pattern this module does
# not know is not ``explained``: ask jsonschema.


class SchemaError(namedtuple("SchemaError", "absolute_path validator validator_value instance schema")):
    """One error, as jsonschema's ValidationError gives it (``validator``: the keyword; None
    for a ``false`` schema)."""

    __slots__ = ()


_DRAFT201909 = frozenset({
    "$recursiveRef", "$ref", "additionalItems", "additionalProperties", "allOf", "anyOf", "const", "contains",
    "dependentRequired", "dependentSchemas", "enum", "exclusiveMaximum", "exclusiveMinimum", "format", "if",
    "items", "maxItems", "maxLength", "maxProperties", "maximum", "minItems", "minLength", "minProperties",
    "minimum", "multipleOf", "not", "oneOf", "pattern", "patternProperties", "properties", "propertyNames",
    "required", "type", "unevaluatedItems", "unevaluatedProperties", "uniqueItems",
})  # jsonschema's Draft201909Validator.VALIDATORS: every other key is ignored
_EXPLAINED = frozenset({
    "$ref", "additionalProperties", "allOf", "anyOf", "const", "enum", "exclusiveMaximum", "exclusiveMinimum",
    "if", "items", "maxItems", "maxLength", "maximum", "minItems", "minLength", "minimum", "not", "pattern",
    "properties", "required", "type",
})
_REF = re.compile(r"#(/[A-Za-z0-9_$.-]+)*")  # a JSON pointer without escapes (~0, ~1, %xx)


class _Explainer:
    """The error walk of one root schema (each node's keywords read once)."""

    def __init__(self, root):
        self.root = root
        self.steps: dict = {}  # id(schema node) -> (node, its (keyword, argument) pairs)

    def ref(self, ref: str):
        node = self.root
        for part in ref[2:].split("/") if ref != "#" else ():
            node = node[part]
        return node

    def errors(self, schema, v, path: tuple):
        if schema is True:
            return
        if schema is False:
            yield SchemaError(path, None, None, v, schema)
            return
        hit = self.steps.get(id(schema))
        if hit is None or hit[0] is not schema:
            hit = self._plan(schema)
        for kw, arg, met in hit[1]:
            if met is not None and met(arg, v):
                continue  # the keyword's walk would give nothing
            yield from _KEYWORDS[kw](self, arg, schema, v, path, kw)

    def _plan(self, schema) -> tuple:
        """(node, its (keyword, argument, ``_PASSES`` test or None) steps, whether each
        keyword reads only the value itself: a leaf, which ``passes`` judges without a walk)."""
        steps = tuple((k, a, _passes_for(k, a)) for k, a in schema.items() if k in _DRAFT201909)
        hit = self.steps[id(schema)] = (schema, steps, all(met is not None for _, _, met in steps))
        return hit

    def passes(self, schema, v) -> bool:
        """True when ``errors(schema, v, ...)`` surely gives nothing: ``schema`` is a leaf
        (its keywords read no sub-schema) and ``v`` meets each of its keywords; False when it
        fails one, or when only the walk can tell.  Most nodes of a config are leaves
        (``{"type": "string"}``): they are judged here, with no generator made for them."""
        if schema is True:
            return True
        if schema is False or type(schema) is not dict:
            return False
        hit = self.steps.get(id(schema))
        if hit is None or hit[0] is not schema:
            hit = self._plan(schema)
        if not hit[2]:
            return False
        for _, arg, met in hit[1]:
            if not met(arg, v):
                return False
        return True

    def valid(self, schema, v, path: tuple) -> bool:
        return self.ok(schema, v)

    def ok(self, schema, v) -> bool:
        """Does ``errors(schema, v, ...)`` give nothing?  Each keyword's condition as its
        walk has it, asked as a yes/no (no generators, nor paths): for the conditions of
        ``if``, ``anyOf`` and ``not``, which only ask whether a value is valid."""
        if schema is True:
            return True
        if schema is False:
            return False
        hit = self.steps.get(id(schema))
        if hit is None or hit[0] is not schema:
            hit = self._plan(schema)
        for kw, arg, met in hit[1]:
            if met is not None:
                if not met(arg, v):
                    return False
            elif not _OK[kw](self, arg, schema, v):
                return False
        return True


def _k_ref(x, arg, schema, v, path, kw):
    sub = x.ref(arg)
    if not x.passes(sub, v):
        yield from x.errors(sub, v, path)


def _k_type(x, arg, schema, v, path, kw):
    names = [arg] if isinstance(arg, str) else arg
    if not any(_TYPES[n](v) for n in names):
        yield SchemaError(path, kw, arg, v, schema)


def _k_enum(x, arg, schema, v, path, kw):
    if all(not _equal(each, v) for each in arg):
        yield SchemaError(path, kw, arg, v, schema)


def _k_const(x, arg, schema, v, path, kw):
    if not _equal(v, arg):
        yield SchemaError(path, kw, arg, v, schema)


def _number_keyword(fails):
    def check(x, arg, schema, v, path, kw):
        if _TYPES["number"](v) and fails(v, arg):
            yield SchemaError(path, kw, arg, v, schema)
    return check


def _size_keyword(type_name: str, fails):
    is_type = _TYPES[type_name]

    def check(x, arg, schema, v, path, kw):
        if is_type(v) and fails(len(v), arg):
            yield SchemaError(path, kw, arg, v, schema)
    return check


def _k_pattern(x, arg, schema, v, path, kw):
    if isinstance(v, str) and not re.search(arg, v):
        yield SchemaError(path, kw, arg, v, schema)


def _k_items(x, arg, schema, v, path, kw):
    if not isinstance(v, list):
        return
    if isinstance(arg, list):
        for (i, item), sub in zip(enumerate(v), arg):
            if not x.passes(sub, item):
                yield from x.errors(sub, item, path + (i,))
    else:
        for i, item in enumerate(v):
            if not x.passes(arg, item):
                yield from x.errors(arg, item, path + (i,))


def _k_properties(x, arg, schema, v, path, kw):
    if not isinstance(v, dict):
        return
    for name, sub in arg.items():
        if name in v:
            value = v[name]
            if not x.passes(sub, value):
                yield from x.errors(sub, value, path + (name,))


def _k_required(x, arg, schema, v, path, kw):
    if not isinstance(v, dict):
        return
    for name in arg:
        if name not in v:
            yield SchemaError(path, kw, arg, v, schema)


def _k_additional_properties(x, arg, schema, v, path, kw):
    if not isinstance(v, dict):
        return
    props = schema.get("properties", {})
    # in the value's order: jsonschema walks them as a set, whose order changes from one
    # process to the next (string hashes), so IGW206's first MAX_ERRORS would too
    extras = [k for k in v if k not in props]
    if isinstance(arg, dict):
        for extra in extras:
            value = v[extra]
            if not x.passes(arg, value):
                yield from x.errors(arg, value, path + (extra,))
    elif not arg and extras:
        yield SchemaError(path, kw, arg, v, schema)


def _k_all_of(x, arg, schema, v, path, kw):
    for sub in arg:
        if not x.passes(sub, v):
            yield from x.errors(sub, v, path)


def _k_any_of(x, arg, schema, v, path, kw):
    if not any(x.valid(sub, v, path) for sub in arg):
        yield SchemaError(path, kw, arg, v, schema)


def _k_not(x, arg, schema, v, path, kw):
    if x.valid(arg, v, path):
        yield SchemaError(path, kw, arg, v, schema)


def _k_if(x, arg, schema, v, path, kw):
    if x.valid(arg, v, path):
        if "then" in schema:
            yield from x.errors(schema["then"], v, path)
    elif "else" in schema:
        yield from x.errors(schema["else"], v, path)


# ``_Explainer.ok`` of the keywords that read sub-schemas: False exactly where the keyword's
# walk above gives an error.
def _ok_items(x, arg, schema, v) -> bool:
    if not isinstance(v, list):
        return True
    if isinstance(arg, list):
        return all(x.ok(sub, item) for item, sub in zip(v, arg))
    return all(x.ok(arg, item) for item in v)


def _ok_properties(x, arg, schema, v) -> bool:
    if not isinstance(v, dict):
        return True
    for name, sub in arg.items():
        if name in v and not x.ok(sub, v[name]):
            return False
    return True


def _ok_additional_properties(x, arg, schema, v) -> bool:
    if not isinstance(v, dict):
        return True
    props = schema.get("properties", {})
    extras = [k for k in v if k not in props]
    if isinstance(arg, dict):
        return all(x.ok(arg, v[extra]) for extra in extras)
    return not (not arg and extras)


def _ok_if(x, arg, schema, v) -> bool:
    if x.ok(arg, v):
        return "then" not in schema or x.ok(schema["then"], v)
    return "else" not in schema or x.ok(schema["else"], v)


_OK = {
    "$ref": lambda x, arg, schema, v: x.ok(x.ref(arg), v),
    "items": _ok_items, "properties": _ok_properties, "additionalProperties": _ok_additional_properties,
    "allOf": lambda x, arg, schema, v: all(x.ok(sub, v) for sub in arg),
    "anyOf": lambda x, arg, schema, v: any(x.ok(sub, v) for sub in arg),
    "not": lambda x, arg, schema, v: not x.ok(arg, v),
    "if": _ok_if,
}


# Whether a value meets a keyword that reads no sub-schema, as the keyword's walk above
# decides it (``_Explainer.passes``): False exactly where that walk gives an error.
def _passes_type(arg, v) -> bool:
    return any(_TYPES[n](v) for n in ([arg] if isinstance(arg, str) else arg))


def _passes_for(kw: str, arg):
    """The ``_PASSES`` test of one keyword of a node (one type name: that type's own test)."""
    if kw == "type" and isinstance(arg, str) and arg in _TYPES:
        is_type = _TYPES[arg]
        return lambda arg, v: is_type(v)
    return _PASSES.get(kw)


def _number_passes(fails):
    return lambda arg, v: not (_TYPES["number"](v) and fails(v, arg))


def _size_passes(type_name: str, fails):
    is_type = _TYPES[type_name]
    return lambda arg, v: not (is_type(v) and fails(len(v), arg))


_PASSES = {
    "type": _passes_type,
    "enum": lambda arg, v: not all(not _equal(each, v) for each in arg),
    "const": lambda arg, v: _equal(v, arg),
    "minimum": _number_passes(lambda v, a: v < a), "maximum": _number_passes(lambda v, a: v > a),
    "exclusiveMinimum": _number_passes(lambda v, a: v <= a), "exclusiveMaximum": _number_passes(lambda v, a: v >= a),
    "minLength": _size_passes("string", lambda n, a: n < a), "maxLength": _size_passes("string", lambda n, a: n > a),
    "minItems": _size_passes("array", lambda n, a: n < a), "maxItems": _size_passes("array", lambda n, a: n > a),
    "pattern": lambda arg, v: not (isinstance(v, str) and not re.search(arg, v)),
    "required": lambda arg, v: not isinstance(v, dict) or all(name in v for name in arg),
}


_KEYWORDS = {
    "$ref": _k_ref, "type": _k_type, "enum": _k_enum, "const": _k_const,
    "minimum": _number_keyword(lambda v, a: v < a), "maximum": _number_keyword(lambda v, a: v > a),
    "exclusiveMinimum": _number_keyword(lambda v, a: v <= a), "exclusiveMaximum": _number_keyword(lambda v, a: v >= a),
    "minLength": _size_keyword("string", lambda n, a: n < a), "maxLength": _size_keyword("string", lambda n, a: n > a),
    "minItems": _size_keyword("array", lambda n, a: n < a), "maxItems": _size_keyword("array", lambda n, a: n > a),
    "pattern": _k_pattern, "items": _k_items, "properties": _k_properties, "required": _k_required,
    "additionalProperties": _k_additional_properties, "allOf": _k_all_of, "anyOf": _k_any_of, "not": _k_not,
    "if": _k_if,
}


def _explained(root) -> bool:
    """Does ``iter_errors`` know every keyword, reference, type and pattern of ``root``?"""
    if root is True or root is False:
        return True
    if not isinstance(root, dict):
        return False
    stack, seen = [root], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > 100_000:
            return False
        if isinstance(node, bool):
            continue
        if not isinstance(node, dict):
            return False
        if node is not root and ("$schema" in node or "$id" in node):
            return False  # another dialect, or another base for references
        for kw, arg in node.items():
            if kw in ("$defs", "definitions"):
                if not isinstance(arg, dict):
                    return False
                stack.extend(arg.values())
            if kw in ("then", "else"):
                stack.append(arg)
            if kw not in _DRAFT201909:
                continue
            if kw not in _EXPLAINED:
                return False
            if kw == "$ref":
                if not isinstance(arg, str) or not _REF.fullmatch(arg):
                    return False
                try:
                    stack.append(_Explainer(root).ref(arg))
                except (KeyError, TypeError, IndexError):
                    return False
            elif kw == "type":
                names = [arg] if isinstance(arg, str) else arg
                if not isinstance(names, list) or any(not isinstance(n, str) or n not in _TYPES for n in names):
                    return False
            elif kw == "pattern":
                try:
                    re.compile(arg)
                except (re.error, TypeError):
                    return False
            elif kw in ("properties",):
                if not isinstance(arg, dict):
                    return False
                stack.extend(arg.values())
            elif kw in ("allOf", "anyOf"):
                if not isinstance(arg, list) or not arg:
                    return False
                stack.extend(arg)
            elif kw == "items":
                stack.extend(arg if isinstance(arg, list) else [arg])
            elif kw in ("not", "if"):
                stack.append(arg)
            elif kw == "additionalProperties":
                if isinstance(arg, dict):
                    stack.append(arg)
                elif not isinstance(arg, bool):
                    return False
                if "patternProperties" in node:
                    return False
            elif kw in ("enum", "required"):
                if not isinstance(arg, list):
                    return False
            elif kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(arg, bool) or not isinstance(arg, (int, float)):
                    return False
            elif kw in ("minLength", "maxLength", "minItems", "maxItems"):
                if isinstance(arg, bool) or not isinstance(arg, int):
                    return False
    return True


_EXPLAINERS: dict = {}  # id(root schema) -> (the root, its _Explainer or None)


def explains(schema) -> bool:
    """Can ``iter_errors`` give jsonschema's errors for ``schema``?"""
    return _explainer(schema) is not None


def _explainer(schema):
    hit = _EXPLAINERS.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    found = _Explainer(schema) if _explained(schema) else None
    if len(_EXPLAINERS) < 64:
        _EXPLAINERS[id(schema)] = (schema, found)
    return found


def iter_errors(schema, value):
    """jsonschema's ``Draft201909Validator(schema).iter_errors(value)``, as ``SchemaError``s,
    for a schema this module ``explains`` (ValueError otherwise)."""
    x = _explainer(schema)
    if x is None:
        raise ValueError("schema not explained: use jsonschema")
    return x.errors(schema, value, ())


# ---- a key under which values are judged alike -------------------------------------------
# Copies of one config (a tenant's, an overlay's) differ mostly in strings that the schema
# reads only as "a string" (URLs, service names).  ``blind_key`` gives such copies one key:
# the value with those strings left out, so a caller may keep the errors of one copy for
# all of them.  A string is left out when no node of the schema that can judge it reads
# more than its type: its nearest key (the key of its list, for a list item) is not the
# name of any property whose schema, through $ref, allOf, anyOf, not, if, then, else and
# items, has enum, const, pattern, minLength or maxLength.  Under such a key the whole
# value is kept as written (an enum error shows the value).  Anything the analysis cannot
# place (such a keyword at the root, under additionalProperties, a keyword iter_errors
# does not know) gives no key.

_READS_STRINGS = frozenset({"enum", "const", "pattern", "minLength", "maxLength"})
_ANY_NAME = object()  # the nearest key of a value under additionalProperties: any name
_BLIND_NAMES: dict = {}  # id(root schema) -> (the root, its frozenset of names, or None)
_LEFT_OUT = object()  # stands for a string left out of a key
_BLIND_NODES = 100_000  # values a key is made of, at most
_BLIND_DEPTH = 200


class _NoKey(Exception):
    pass


def _string_names(root):
    """The property names under which the schema reads strings beyond their type, or None
    when it may read one under another name (see above)."""
    x = _explainer(root)
    if x is None:
        return None
    names: set = set()
    stack = [(root, None)]
    seen: set = set()
    while stack:
        node, name = stack.pop()
        if node is True or node is False:
            continue
        if type(node) is not dict:
            return None
        mark = (id(node), name if isinstance(name, str) else id(name))
        if mark in seen:
            continue
        seen.add(mark)
        if len(seen) > 100_000:
            return None
        for kw, arg in node.items():
            if kw not in _DRAFT201909:
                if kw in ("then", "else"):
                    stack.append((arg, name))
                continue
            if kw in _READS_STRINGS:
                if not isinstance(name, str):
                    return None  # at the root, or under any name
                names.add(name)
            elif kw == "$ref":
                stack.append((x.ref(arg), name))
            elif kw in ("allOf", "anyOf"):
                stack.extend((sub, name) for sub in arg)
            elif kw in ("not", "if"):
                stack.append((arg, name))
            elif kw == "properties":
                stack.extend((sub, key) for key, sub in arg.items())
            elif kw == "additionalProperties":
                if isinstance(arg, dict):
                    stack.append((arg, _ANY_NAME))
            elif kw == "items":
                stack.extend((sub, name) for sub in (arg if isinstance(arg, list) else [arg]))
            elif kw not in ("type", "required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                            "minItems", "maxItems"):
                return None  # a keyword not weighed here
    return frozenset(names)


def _names_for(root):
    hit = _BLIND_NAMES.get(id(root))
    if hit is not None and hit[0] is root:
        return hit[1]
    try:
        found = _string_names(root)
    except (KeyError, TypeError, IndexError):
        found = None
    if len(_BLIND_NAMES) < 64:
        _BLIND_NAMES[id(root)] = (root, found)
    return found


def blind_key(schema, value):
    """A hashable key of ``value`` such that two values with the same key get the same
    ``iter_errors(schema, ...)`` at the same paths with the same keywords, schema nodes
    and, where an error can show it, the same instance; None when there is none (a schema
    this module cannot weigh, a value too large or deep, a value of an unknown type)."""
    names = _names_for(schema)
    if names is None:
        return None
    budget = _BLIND_NODES
    scalar = (int, float, bool)

    def walk(v, keep: bool, depth: int):
        nonlocal budget
        budget -= 1
        if budget < 0 or depth > _BLIND_DEPTH:
            raise _NoKey
        t = type(v)
        if t is str:
            return v if keep else _LEFT_OUT
        if t is dict:
            depth += 1
            items = []
            for k, item in v.items():
                if type(item) is str:  # most values: no call
                    budget -= 1
                    items.append((type(k), k, item if keep or (type(k) is str and k in names) else _LEFT_OUT))
                else:
                    items.append((type(k), k, walk(item, keep or (type(k) is str and k in names), depth)))
            return (dict, tuple(items))
        if t is list:
            depth += 1
            return (list, tuple([walk(item, keep, depth) for item in v]))
        if t in scalar or v is None:
            return (t, v)
        raise _NoKey  # another type: not weighed here

    try:
        key = walk(value, False, 0)
        hash(key)
    except (_NoKey, TypeError, RecursionError):
        return None
    return key if budget >= 0 else None
