"""CRD validation's count bounds (maxItems/minItems, maxProperties/minProperties), in the
API server's words: too many says "items" for a list and an object alike, too few names
what is counted."""

from __future__ import annotations

from infergw_lint.crd import schema


def _messages(value, sch):
    issues: list = []
    schema.validate(value, sch, (), issues)
    return [(i.message, i.blocking) for i in issues]


def test_list_bounds():
    sch = {"type": "object", "properties": {"l": {"type": "array", "maxItems": 1, "minItems": 3, "items": {"type": "string"}}}}
    assert _messages({"l": ["a", "b"]}, sch) == [
        ("l: Too many: 2: must have at most 1 items", True),
        ("l: Invalid value: 2: should have at least 3 items", False),
    ]


def test_object_bounds():
    sch = {"type": "object", "properties": {"o": {"type": "object", "maxProperties": 1, "minProperties": 3,
                                                  "additionalProperties": {"type": "string"}}}}
    assert _messages({"o": {"a": "x", "b": "y"}}, sch) == [
        ("o: Too many: 2: must have at most 1 items", True),
        ("o: Invalid value: 2: should have at least 3 properties", False),
    ]
