"""The reporters' fast paths give what the plain code gives.

* ``sanitize.plain`` / ``escape`` / ``escape_lines``: printable ASCII is recognised without
  the regex; on random text the result is the regex's, whatever the text holds (controls,
  workflow commands, bidi, surrogates).
* ``reporters.indented.dumps`` is ``json.dumps(value, indent=2, ensure_ascii=False)``
  character for character: on the SARIF of real trees (sample manifests, fixtures, a tree
  with non-UTF-8 file names, wide and combining characters, bidi and controls) and on
  random JSON values (floats, NaN, big integers, lone surrogates, nested empty containers,
  tuples, keys that are not strings, subclasses).
* the text format's widths, wrapping and source windows: ``cell_width``, ``wrap``,
  ``_head``/``_tail`` against the character-by-character versions they replace, and a
  plain source line's window against the escaping one.
"""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from infergw_lint import sanitize  # noqa: E402

PROPERTY = settings(max_examples=400, deadline=None)

# characters that matter to the escaping and to the widths, and some that do not
_ALPHABET = st.sampled_from(
    list("ab :#[]\\\"' ") + ["\t", "\n", "\r", "\x1b", "\x00", "\x7f", "\x85", "\u00ad", "\u200b", "\u202e",
                             "\u2028", "\udc80", "\ufeff", "\U000e0041", "é", "e\u0301", "漢", "…", "::", "##["]
)
_TEXT = st.lists(_ALPHABET, max_size=40).map("".join) | st.text(max_size=40)


# ---- sanitize -----------------------------------------------------------------------------


@PROPERTY
@given(_TEXT)
def test_escape_fast_path_is_the_regex(value):
    assert sanitize.escape(value) == sanitize._SINGLE.sub(sanitize._visible, value)
    assert sanitize.escape_lines(value) == sanitize._MULTI.sub(sanitize._visible, value)
    if sanitize.plain(value):  # every part of a plain text is left as it is
        assert all(sanitize.escape(value[i:j]) == value[i:j] for i in range(len(value)) for j in range(i, len(value)))


@pytest.mark.parametrize("value", ["::stop-commands::x", "  ::error::x", "a ##[group]", "tab\there", "bell\x07",
                                   "del\x7f", "line\nbreak", "cr\r", "plain text: ok", "#[x] ##x", ":x:"])
def test_escape_edge_cases(value):
    assert sanitize.escape(value) == sanitize._SINGLE.sub(sanitize._visible, value)
    assert sanitize.escape_lines(value) == sanitize._MULTI.sub(sanitize._visible, value)
