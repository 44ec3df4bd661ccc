"""A small JSON parser that keeps positions.

It returns the same node objects PyYAML's composer returns (``yaml.nodes``), so one
builder and one locator serve YAML files, JSON files and JSON embedded in YAML strings.
Marks carry only ``index``: a character offset into the *file*, translated through an
optional ``offsets`` table when the JSON text is a YAML string value.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"

MAX_DEPTH = 256  # the builder refuses documents deeper than 200; this keeps the recursion far from the limit

_WS = re.compile(r"[ \t\r\n]*")
# a string is scanned run by run: one alternation repeated per character made the regex
# engine keep a backtracking entry per character (a 10 MB string took over 1 GB)
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')
_ESCAPE = re.compile(r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_WORD = re.compile(r"true|false|null")


class Mark:
    """A position: only the character offset in the file is kept."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index

    # PyYAML marks have these; error paths may read them.
    line = column = 0
    name = "<json>"


class JSONError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


class TooManyNodes(JSONError):
    """More than MAX_NODES values: parsing stops there (memory stays bounded)."""


MAX_NODES = 2_000_000  # as the YAML composer (loader.MAX_COMPOSE_NODES) and the Builder


class _Parser:
    def __init__(self, text: str, offsets: list[int] | None):
        self.text = text
        self.offsets = offsets
        self.budget = MAX_NODES

    def mark(self, i: int) -> Mark:
        if self.offsets is None:
            return Mark(i)
        offs = self.offsets
        return Mark(offs[min(i, len(offs) - 1)])

    def end_mark(self, i: int) -> Mark:
        # exclusive end: one past the last character of the token
        if self.offsets is None or i == 0:
            return self.mark(i)
        offs = self.offsets
        return Mark(offs[min(i - 1, len(offs) - 1)] + 1)

    def ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()

    def fail(self, message: str, i: int):
        raise JSONError(message, i)

    def value(self, i: int, depth: int):
        text = self.text
        i = self.ws(i)
        if i >= len(text):
            self.fail("unexpected end of JSON input", i)
        self.budget -= 1
        if self.budget < 0:  # stop before a tree of that size is kept in memory
            raise TooManyNodes("document too large (too many nodes)", i)
        ch = text[i]
        if ch == "{":
            return self.obj(i, depth + 1)
        if ch == "[":
            return self.arr(i, depth + 1)
        if ch == '"':
            end = _string_end(text, i)
            if end < 0:
                self.fail("invalid string (unterminated, bad escape or control character)", i)
            raw = text[i:end]
            node = ScalarNode(STR, json.loads(raw) if "\\" in raw else raw[1:-1], self.mark(i), self.end_mark(end), '"')
            return node, end
        m = _NUMBER.match(text, i)
        if m and m.end() > i:
            tag = FLOAT if (m.group(1) or m.group(2)) else INT
            return ScalarNode(tag, m.group(), self.mark(i), self.end_mark(m.end())), m.end()
        m = _WORD.match(text, i)
        if m:
            tag = NULL if m.group() == "null" else BOOL
            return ScalarNode(tag, m.group(), self.mark(i), self.end_mark(m.end())), m.end()
        self.fail(f"unexpected character {ch!r}", i)

    def obj(self, start: int, depth: int):
        if depth > MAX_DEPTH:
            self.fail(f"JSON nested deeper than {MAX_DEPTH} levels", start)
        text = self.text
        pairs = []
        i = self.ws(start + 1)
        if i < len(text) and text[i] == "}":
            return MappingNode(MAP, pairs, self.mark(start), self.end_mark(i + 1), True), i + 1
        while True:
            i = self.ws(i)
            if i >= len(text) or text[i] != '"':
                self.fail("expected a string key in double quotes", i)
            key, i = self.value(i, depth)
            i = self.ws(i)
            if i >= len(text) or text[i] != ":":
                self.fail("expected ':' after object key", i)
            val, i = self.value(i + 1, depth)
            pairs.append((key, val))
            i = self.ws(i)
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            if i < len(text) and text[i] == "}":
                return MappingNode(MAP, pairs, self.mark(start), self.end_mark(i + 1), True), i + 1
            self.fail("expected ',' or '}' in object", i)

    def arr(self, start: int, depth: int):
        if depth > MAX_DEPTH:
            self.fail(f"JSON nested deeper than {MAX_DEPTH} levels", start)
        text = self.text
        items = []
        i = self.ws(start + 1)
        if i < len(text) and text[i] == "]":
            return SequenceNode(SEQ, items, self.mark(start), self.end_mark(i + 1), True), i + 1
        while True:
            val, i = self.value(i, depth)
            items.append(val)
            i = self.ws(i)
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            if i < len(text) and text[i] == "]":
                return SequenceNode(SEQ, items, self.mark(start), self.end_mark(i + 1), True), i + 1
            self.fail("expected ',' or ']' in array", i)


def _string_end(text: str, i: int) -> int:
    """The offset after the JSON string that starts at ``text[i]`` (a quote), or -1."""
    j = i + 1
    n = len(text)
    while True:
        j = _PLAIN.match(text, j).end()
        if j >= n:
            return -1
        c = text[j]
        if c == '"':
            return j + 1
        if c != "\\":
            return -1  # a control character
        m = _ESCAPE.match(text, j)
        if m is None:
            return -1
        j = m.end()


_LONE = re.compile(r"(\\*)\\u([dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|[dD][89a-fA-F][0-9a-fA-F]{2})")


def lone_surrogate(text: str) -> tuple[int, str] | None:
    """(offset, escape) of the first ``\\uD800``-``\\uDFFF`` escape in JSON ``text`` that is
    not half of a pair: such a string is not Unicode (Go's decoder, Bifrost's, puts U+FFFD
    in its place; Python keeps a lone surrogate that cannot be written out)."""
    if "\\u" not in text:
        return None
    for m in _LONE.finditer(text):
        if len(m.group(1)) % 2:  # the backslash is itself escaped: "\\\\ud800" is text
            continue
        if len(m.group(2)) == 4:
            return m.start() + len(m.group(1)), "\\u" + m.group(2)
    return None


def parse_json(text: str, offsets: list[int] | None = None):
    """Parse one JSON value; returns a yaml node tree.  Raises JSONError with the offset
    (in ``text``) of the problem."""
    p = _Parser(text, offsets)
    node, i = p.value(0, 0)
    i = p.ws(i)
    if i != len(text):
        p.fail("extra data after the JSON value", i)
    return node


def align(value: str, text: str, start: int, end: int, style: str | None) -> list[int]:
    """Map each character of a YAML scalar's value to its offset in the file text.

    ``text[start:end]`` is the scalar as written (with quotes, block header, indentation,
    escapes).  Non-blank characters are matched in order; blanks that the scalar folded
    or indented away map to the nearest source position.  The result has one entry per
    value character plus one for the end.
    """
    n = len(value)
    pos = [0] * (n + 1)
    j = start
    if style in ("|", ">"):
        nl = text.find("\n", start, end)
        j = nl + 1 if nl != -1 else start
    elif style in ('"', "'"):
        j = start + 1
    if style != "|":
        pos[n] = _align_run(value, 0, n, text, j, end, style == '"', pos)
        return pos
    # a literal block: each value line is usually its source line minus the block's
    # indentation, mapped with two ranges (what the character loop gives such a line)
    find = text.find
    i = 0
    while i < n:
        e = value.find("\n", i)
        stop = n if e == -1 else e
        line = value[i:stop]
        nl = find("\n", j, end)
        if nl == -1:
            nl = end
        d = nl - j - len(line)  # the indentation, if the source line is indentation + line
        lead = len(line) - len(line.lstrip(_BLANKS))
        if (
            lead < len(line)  # a non-blank character (a blank line may not end where it seems)
            and 0 <= d < _WINDOW
            and (e == -1 or nl < end)
            and text.startswith(line, j + d)
            and text.count(" ", j, j + d) == d
        ):
            # blanks before the first character: the pointer steps through the
            # indentation; from it on, every character is where it is written
            pos[i:i + lead] = range(j, j + lead)
            if e == -1:
                pos[i + lead:n] = range(j + d + lead, nl)
                j = nl
                break
            pos[i + lead:e + 1] = range(j + d + lead, nl + 1)
            j = nl + 1
            i = e + 1
        else:
            last = n if e == -1 else e + 1
            j = _align_run(value, i, last, text, j, end, False, pos)
            i = last
    pos[n] = j
    return pos


_BLANKS = " \t\n\r"
_WINDOW = 4096  # how far ahead a character of the value is looked for


def align_lazily(value: str, text: str, start: int, end: int, style: str | None):
    """``align``'s table, or for a literal block (``|``, how JSON is usually embedded in
    a ConfigMap) an object that reads as that table (``len`` and ``[k]``) and works it
    out only as far as it is read: placing a finding reads two or four entries of it,
    and the table costs ~500 instructions a character (321 embedded configs on the 10k
    corpus, 267,000 characters)."""
    if style != "|":
        return align(value, text, start, end, style)
    return _LiteralOffsets(value, text, start, end)


class _LiteralOffsets:
    """``align(value, text, start, end, "|")``, line by line as entries are asked: its
    loop, one line at a time, keeping for each line either the two ranges it assigns
    (a line written as indentation + the line) or, for any other line, the entries
    ``_align_run`` writes."""

    __slots__ = ("value", "text", "end", "n", "i", "j", "starts", "lines", "pos")

    def __init__(self, value: str, text: str, start: int, end: int):
        self.value, self.text, self.end, self.n = value, text, end, len(value)
        nl = text.find("\n", start, end)
        self.j = nl + 1 if nl != -1 else start  # align's source pointer after the lines done
        self.i = 0  # the first value character of the lines not done yet
        self.starts: list = []  # the first value character of each line done
        self.lines: list = []  # per line done: (i, lead, j, d) of the two ranges, or None
        self.pos: list | None = None  # entries of the lines done character by character

    def __len__(self) -> int:
        return self.n + 1

    def __getitem__(self, k: int) -> int:
        n = self.n
        if type(k) is not int or not 0 <= k <= n:
            if type(k) is int and -n - 1 <= k < 0:
                k += n + 1
            else:
                raise IndexError("index out of range")
        while self.i <= k and self.i < n:
            self._line()
        if k == n:
            while self.i < n:
                self._line()
            return self.j
        at = bisect_right(self.starts, k) - 1
        line = self.lines[at]
        if line is None:
            return self.pos[k]
        i, lead, j, d = line
        return j + (k - i) if k < i + lead else j + d + (k - i)

    def _line(self) -> None:
        """One turn of ``align``'s loop over a literal block."""
        value, text, end, n, i, j = self.value, self.text, self.end, self.n, self.i, self.j
        e = value.find("\n", i)
        stop = n if e == -1 else e
        line = value[i:stop]
        nl = text.find("\n", j, end)
        if nl == -1:
            nl = end
        d = nl - j - len(line)
        lead = len(line) - len(line.lstrip(_BLANKS))
        self.starts.append(i)
        if (
            lead < len(line)
            and 0 <= d < _WINDOW
            and (e == -1 or nl < end)
            and text.startswith(line, j + d)
            and text.count(" ", j, j + d) == d
        ):
            self.lines.append((i, lead, j, d))
            if e == -1:
                self.j, self.i = nl, n
            else:
                self.j, self.i = nl + 1, e + 1
            return
        last = n if e == -1 else e + 1
        if self.pos is None:
            self.pos = [0] * (n + 1)
        self.lines.append(None)
        self.j = _align_run(value, i, last, text, j, end, False, self.pos)
        self.i = last


def _align_run(value: str, i: int, stop: int, text: str, j: int, end: int, quoted: bool, pos: list) -> int:
    """``align`` for ``value[i:stop]`` from source offset ``j``, character by character;
    the source offset after it."""
    find = text.find
    for i in range(i, stop):
        ch = value[i]
        if ch in " \t\n\r":
            pos[i] = j
            if j < end and text[j] in " \t\r\n":
                j += 1
        else:
            k = find(ch, j, min(end, j + _WINDOW))
            if k == -1:
                pos[i] = j
            else:
                # an escaped character (\" in a double-quoted scalar) starts at its backslash
                pos[i] = k - 1 if quoted and k > j and text[k - 1] == "\\" else k
                j = k + 1
    return j


# ---- a place in JSON text without its tree ---------------------------------------------
# Placing a finding in JSON needs the marks of one node and of the key above it.  The
# values beside the path are stepped over by the C decoder (``skip`` gives where a value
# ends), so no node is made: the same places as ``parse_json``'s tree walked by
# ``Document.locate``, at the cost of the C parser.

_skip_value = json.scanner.make_scanner(json.JSONDecoder())
_key_string = json.decoder.scanstring


def _after_item(text: str, end: int, close: str) -> tuple[int, bool]:
    """Past the item of a container that ends at ``end``: (where the next item starts,
    False) after a comma, (the ``close`` bracket's offset, True) at it; ValueError else."""
    j = _WS.match(text, end).end()
    if text[j] == ",":
        return _WS.match(text, j + 1).end(), False
    if text[j] == close:
        return j, True
    raise ValueError(f"expected ',' or '{close}'")


def locate_json(text: str, path: tuple, offsets: list[int] | None = None, key: tuple | None = None,
                scans: dict | None = None) -> tuple:
    """(key, value, depth reached) for ``path`` in the JSON ``text`` (which ``parse_json``
    accepts), as ``Document.locate`` finds it in ``parse_json(text, offsets)``: ``key``
    and ``value`` are (start, end) offsets, through ``offsets`` as that tree's marks; key
    is the one given when no step is taken, None after a list index.  Raises ValueError
    (or RecursionError) for what it cannot step over (a number too long for ``int``).
    ``scans``: a dict kept with the text (empty at first), where the walk keeps what it
    read of the containers on its way and where values end, for the next walk of the same
    text -- a document with several findings in its JSON reads it about once."""
    if scans is None:
        scans = {}
    i = _WS.match(text, 0).end()
    reached = 0
    for seg in path:
        ch = text[i]
        if ch == "{":
            found = (scans.get(i) or _object_scan(text, i, scans)).get(seg if isinstance(seg, str) else str(seg))
            if found is None:
                break
            key = _marks(found[0], found[1], offsets)
            i = found[2]
        elif ch == "[":
            if not (isinstance(seg, int) and seg >= 0):
                break
            found = _array_item(text, i, seg, scans)
            if found is None:
                break
            key = None
            i = found
        else:
            break
        reached += 1
    end = scans.get(-1 - i)  # (a value's end is kept at -1 - its start: starts are >= 0)
    if end is None:
        end = scans[-1 - i] = _skip_value(text, i)[1]
    return key, _marks(i, end, offsets), reached


def _object_scan(text: str, i: int, scans: dict) -> dict:
    """The entries of the object at ``text[i]``: key -> (key start, key end, value start),
    the last of duplicate keys the one that counts; kept in ``scans`` (with where each
    value ends) once the object is read to its end."""
    ws = _WS.match
    entries: dict = {}
    ends = []
    j = ws(text, i + 1).end()
    if text[j] != "}":
        while True:
            name, end = _key_string(text, j + 1)
            colon = ws(text, end).end()
            if text[colon] != ":":
                raise ValueError("expected ':'")
            at = ws(text, colon + 1).end()
            entries[name] = (j, end, at)  # the last of duplicate keys is the one that counts
            stop = _skip_value(text, at)[1]
            ends.append((at, stop))
            j, closed = _after_item(text, stop, "}")
            if closed:
                break
    scans[i] = entries
    for at, stop in ends:
        scans[-1 - at] = stop
    return entries


def _array_item(text: str, i: int, seg: int, scans: dict) -> int | None:
    """Where item ``seg`` of the array at ``text[i]`` starts, or None: it has fewer.  The
    items found are kept in ``scans``, with whether the array's end was read after them,
    and the next walk goes on from the last."""
    state = scans.get(i)
    if state is None:
        j = _WS.match(text, i + 1).end()
        state = scans[i] = [[] if text[j] == "]" else [j], text[j] == "]"]
    starts = state[0]
    while len(starts) <= seg and not state[1]:
        stop = _skip_value(text, starts[-1])[1]
        scans[-1 - starts[-1]] = stop
        j, closed = _after_item(text, stop, "]")
        if closed:
            state[1] = True
        else:
            starts.append(j)
    return starts[seg] if seg < len(starts) else None


def _marks(start: int, end: int, offsets: list[int] | None) -> tuple[int, int]:
    """(start, end) of a value written at ``text[start:end]``, as ``_Parser`` marks it."""
    if offsets is None:
        return start, end
    last = len(offsets) - 1
    return offsets[min(start, last)], (offsets[min(end - 1, last)] + 1 if end else offsets[min(end, last)])
