"""lint/crd/cel ``_key``: verdicts of the celpy path shared between values only when the rule
cannot tell the values apart (``_opaque``)."""

from __future__ import annotations

from infergw_lint.crd import cel

SCHEMA = {
    "type": "object",
    "properties": {
        "k": {"type": "string"},
        "m": {"type": "object", "additionalProperties": {"type": "string"}},
        "a": {"type": "string"},
        "b": {"type": "string"},
    },
}


def test_names_compared_with_each_other_share_a_key():
    rule = {"rule": "self.a == self.b"}
    assert cel._key({"a": "x", "b": "x"}, SCHEMA, rule) == cel._key({"a": "y", "b": "y"}, SCHEMA, rule)
    assert cel._key({"a": "x", "b": "x"}, SCHEMA, rule) != cel._key({"a": "x", "b": "y"}, SCHEMA, rule)


def test_membership_in_a_map_does_not_share_a_key():
    # "x" is a key of m and "y" is not: the verdicts differ, so must the keys
    for text in ("self.k in self.m", "has(self.m) && self.m[self.k] == 'v'", "self.k in ['x', 'z']"):
        rule = {"rule": text}
        assert cel._opaque(rule) is None, text
        one = cel._key({"k": "x", "m": {"x": "v"}}, SCHEMA, rule)
        other = cel._key({"k": "y", "m": {"x": "v"}}, SCHEMA, rule)
        assert one is not None and other is not None and one != other, text


def test_words_containing_in_still_share():
    rule = {"rule": "self.inner == self.b || self.main == 'x'"}
    assert cel._opaque(rule) == frozenset({"x"})
