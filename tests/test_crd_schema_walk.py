"""The walk of lint/crd/schema.py validate: what it passes over unchecked."""

from __future__ import annotations

from infergw_lint.crd import schema as sc


def test_values_passed_over_by_the_walk_are_those_that_pass():
    """validate's walk does not call _check for a str, int or bool that its schema node
    takes whatever its value (schema._Plan.quiet), nor for a string that passed before:
    every other value is still checked (a bool in an int-or-string field, an int under an
    enum, a string against its pattern)."""
    nodes = [
        {}, {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"},
        {"type": "object"}, {"x-kubernetes-int-or-string": True}, {"type": "string", "enum": ["a"]},
        {"type": "integer", "enum": [1]}, {"type": "string", "pattern": "^a+$"}, {"type": "string", "maxLength": 1},
        {"type": "integer", "maximum": 1}, {"type": "string", "anyOf": [{"maxLength": 1}]}, {"type": "weird"},
        {"x-kubernetes-int-or-string": True, "pattern": "^a$"}, {"type": "boolean", "enum": [True]},
    ]
    values = ["a", "aa", "b", "", 0, 1, 2, True, False, 1.5]
    for node in nodes:
        for value in values * 2:  # twice: the second time, strings that passed are known
            direct: list = []
            sc._check(value, sc._plan(node), ("x",), direct)
            walked: list = []
            sc.validate({"x": value}, {"type": "object", "properties": {"x": node}}, (), walked)
            assert walked == direct, (node, value)
            walked = []
            sc.validate([value], {"type": "array", "items": node}, ("x",), walked)
            assert [i.message for i in walked] == [i.message.replace("x:", "x[0]:", 1) for i in direct], (node, value)
