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


class _Unsure(Exception):
    pass


def _equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


class _Checker:
    def __init__(self, root: dict):
        self.root = root
        self.patterns: dict = {}

    def ref(self, ref: str):
        if not ref.startswith("#/"):
            raise _Unsure
        node = self.root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise _Unsure
            node = node[part]
        return node

    def pattern(self, p: str):
        rx = self.patterns.get(p)
        if rx is None:
            rx = self.patterns[p] = re.compile(p)
        return rx

    def ok(self, schema, v, depth: int = 0) -> bool:
        if schema is True or schema == {}:
            return True
        if schema is False:
            return False
        if not isinstance(schema, dict) or depth > 64:
            raise _Unsure
        for kw, arg in schema.items():
            if kw in _NOTES or kw.startswith("x-"):
                continue
            if kw == "$ref":
                if not self.ok(self.ref(arg), v, depth + 1):
                    return False
            elif kw == "type":
                names = arg if isinstance(arg, list) else [arg]
                if any(n not in _TYPES for n in names):
                    raise _Unsure
                if not any(_TYPES[n](v) for n in names):
                    return False
            elif kw == "enum":
                if not any(_equal(v, e) for e in arg):
                    return False
            elif kw == "const":
                if not _equal(v, arg):
                    return False
            elif kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if _TYPES["number"](v):
                    if kw == "minimum" and v < arg or kw == "maximum" and v > arg:
                        return False
                    if kw == "exclusiveMinimum" and v <= arg or kw == "exclusiveMaximum" and v >= arg:
                        return False
            elif kw in ("minLength", "maxLength", "pattern"):
                if isinstance(v, str):
                    if kw == "minLength" and len(v) < arg or kw == "maxLength" and len(v) > arg:
                        return False
                    if kw == "pattern" and not self.pattern(arg).search(v):
                        return False
            elif kw in ("minItems", "maxItems", "items", "uniqueItems"):
                if isinstance(v, list):
                    if kw == "minItems" and len(v) < arg or kw == "maxItems" and len(v) > arg:
                        return False
                    if kw == "items":
                        if not isinstance(arg, dict) and not isinstance(arg, bool):
                            raise _Unsure  # tuple form
                        if not all(self.ok(arg, item, depth + 1) for item in v):
                            return False
                    if kw == "uniqueItems" and arg:
                        raise _Unsure
            elif kw in ("properties", "required", "additionalProperties", "patternProperties",
                        "minProperties", "maxProperties"):
                if isinstance(v, dict) and not self.object_ok(kw, arg, schema, v, depth):
                    return False
            elif kw == "allOf":
                if not all(self.ok(s, v, depth + 1) for s in arg):
                    return False
            elif kw == "anyOf":
                if not any(self._try(s, v, depth) for s in arg):
                    return False
            elif kw == "oneOf":
                if sum(1 for s in arg if self._try(s, v, depth)) != 1:
                    return False
            elif kw == "not":
                if self._try(arg, v, depth):
                    return False
            elif kw == "if":
                branch = schema.get("then") if self._try(arg, v, depth) else schema.get("else")
                if branch is not None and not self.ok(branch, v, depth + 1):
                    return False
            elif kw in ("then", "else"):
                continue  # with "if"
            else:
                raise _Unsure
        return True

    def _try(self, schema, v, depth) -> bool:
        return self.ok(schema, v, depth + 1)

    def object_ok(self, kw, arg, schema, v: dict, depth: int) -> bool:
        if kw == "properties":
            return all(self.ok(sub, v[k], depth + 1) for k, sub in arg.items() if k in v)
        if kw == "required":
            return all(k in v for k in arg)
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


def is_valid(schema: dict, value) -> bool:
    """True when ``value`` is surely valid against ``schema``; False when it is invalid or
    this checker cannot tell."""
    try:
        return _Checker(schema).ok(schema, value)
    except (_Unsure, RecursionError, TypeError, re.error):
        return False
