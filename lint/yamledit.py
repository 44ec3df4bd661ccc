"""YAML editing for ``--fix``: documents, indentation, ruamel.yaml, comments, line merge.

* ``split_documents`` cuts a file at its ``---`` lines; ``detect_style`` finds the mapping
  indent, sequence indent and dash offset a document is written with.
* ruamel.yaml is imported here only, on first use (never on the lint path).
* The value helpers (``set_value``, ``insert_key``, ``remove_key``, ``new_map_like``, ...)
  work on ruamel's round-trip objects and on plain JSON data alike; on ruamel objects they
  keep quoting and move comment lines along so that they stay next to what they describe.
* ``merge_lines`` applies ruamel's change to the text as written, so whatever ruamel would
  normalise elsewhere stays as it was.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass


def keep_ends(text: str) -> list[str]:
    return text.splitlines(keepends=True)


_DOC_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)


def split_documents(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each document's text: a new one at every ``---`` line
    (a ``---`` at column 0 always starts a document in YAML)."""
    starts = [0] + [m.start() for m in _DOC_START.finditer(text) if m.start() > 0]
    return [(s, e) for s, e in zip(starts, starts[1:] + [len(text)])]


@dataclass
class YamlStyle:
    mapping: int = 2
    sequence: int = 4
    offset: int = 2


_KEY_LINE = re.compile(r"^((?:- +)*)(?:[^#\s'\"-][^#]*?|'[^']*'|\"(?:[^\"\\]|\\.)*\"):[ \t]*(?:#.*)?$")
_BLOCK_SCALAR = re.compile(r"(?:^|[:-][ \t]+)[|>][0-9+-]*[ \t]*(?:#.*)?$")


def detect_style(text: str) -> YamlStyle:
    """The indentation a document is written with: the mapping indent, how far a ``- ``
    sits in from its parent key (the dash offset) and the blanks after the dash."""
    from collections import Counter

    maps: Counter = Counter()
    offsets: Counter = Counter()
    dash_gap: Counter = Counter()
    opener = None  # key column of the previous line when it is a bare "key:" (opens a block)
    block_indent = None  # inside a block scalar: lines indented more than this are content
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        ind = len(line) - len(stripped)
        if block_indent is not None:
            if ind > block_indent:
                continue
            block_indent = None
        if opener is not None:
            if stripped.startswith("- ") and ind >= opener:
                offsets[ind - opener] += 1
                after = stripped[1:]
                dash_gap[len(after) - len(after.lstrip(" "))] += 1
            elif ind > opener:
                maps[ind - opener] += 1
        opener = None
        m = _KEY_LINE.match(stripped)
        if m:
            opener = ind + len(m.group(1))
        elif _BLOCK_SCALAR.search(stripped):
            block_indent = ind
    mapping = maps.most_common(1)[0][0] if maps else 2
    offset = offsets.most_common(1)[0][0] if offsets else min(mapping, 2)
    gap = dash_gap.most_common(1)[0][0] if dash_gap else 1
    return YamlStyle(mapping=mapping, sequence=offset + 1 + gap, offset=offset)


_ruamel_mod = None


def _ry():
    """ruamel.yaml, imported on first use (never on the lint path)."""
    global _ruamel_mod
    if _ruamel_mod is None:
        import ruamel.yaml as mod
        import ruamel.yaml.comments  # noqa: F401
        import ruamel.yaml.constructor  # noqa: F401
        import ruamel.yaml.error  # noqa: F401
        import ruamel.yaml.scalarstring  # noqa: F401
        import ruamel.yaml.tokens  # noqa: F401

        _ruamel_mod = mod
    return _ruamel_mod


def _yaml(style: YamlStyle, explicit_start: bool):
    ry = _ry()
    y = ry.YAML(typ="rt", pure=True)
    y.preserve_quotes = True
    y.width = 1 << 20  # never fold a long line
    y.indent(mapping=style.mapping, sequence=max(style.sequence, style.offset + 2), offset=style.offset)
    y.explicit_start = explicit_start
    return y


def _is_rt_map(v) -> bool:
    return _ruamel_mod is not None and isinstance(v, _ruamel_mod.comments.CommentedMap)


def is_rt_seq(v) -> bool:
    return _ruamel_mod is not None and isinstance(v, _ruamel_mod.comments.CommentedSeq)


def _is_flow(v) -> bool:
    fa = getattr(v, "fa", None)
    try:
        return bool(fa is not None and fa.flow_style())
    except Exception:  # pragma: no cover - ruamel internals
        return False


def _is_block_scalar(v) -> bool:
    ss = _ry().scalarstring
    return isinstance(v, (ss.LiteralScalarString, ss.FoldedScalarString))


def _token(value: str):
    ry = _ry()
    return ry.tokens.CommentToken(value, ry.error.CommentMark(0), None)


# ---- comments: ruamel keeps the comment lines that follow an entry on the deepest last node
# of that entry; inserting or removing entries must move them so they stay where they were.


def _last_key(c):
    return len(c) - 1 if isinstance(c, list) else list(c.keys())[-1]


def _tail_chain(container, key) -> list:
    """The places holding comments written after ``container[key]``, innermost first:
    ("item", holder, key) and ("end", collection)."""
    chain: list = []
    c, k = container, key
    while True:
        chain.append(("item", c, k))
        v = c[k]
        if (_is_rt_map(v) or is_rt_seq(v)) and not _is_flow(v):
            chain.append(("end", v))
            if len(v):
                c, k = v, _last_key(v)
                continue
        break
    return chain[::-1]


def _slot(holder) -> int:
    return 0 if isinstance(holder, list) else 2


def take_trailing(container, key) -> str:
    """Remove and return the full comment lines written after the entry (its end-of-line
    comment stays)."""
    if not (_is_rt_map(container) or is_rt_seq(container)):
        return ""
    out = []
    for place in _tail_chain(container, key):
        if place[0] == "end":
            coll = place[1]
            ends = getattr(coll.ca, "end", None) or []
            for tok in ends:
                if tok is None:
                    continue
                v = tok.value
                out.append(v[1:] if v.startswith("\n") else " " * (tok.column or 0) + v)
            if ends:
                coll.ca.end = []
            continue
        _, holder, k = place
        entry = holder.ca.items.get(k)
        slot = _slot(holder)
        tok = entry[slot] if entry and len(entry) > slot else None
        if tok is None:
            continue
        v = tok.value
        if _is_block_scalar(holder[k]):  # the scalar's own line break is already written
            rest = v[1:] if v.startswith("\n") else " " * (tok.column or 0) + v
            entry[slot] = None
        else:  # the first line is the entry's end-of-line comment (if any): it stays
            i = v.find("\n")
            if i < 0:
                continue
            eol, rest = v[: i + 1], v[i + 1:]
            if eol.strip():
                tok.value = eol
            else:
                entry[slot] = None
        out.append(rest)
    return "".join(out)


def give_trailing(container, key, lines: str) -> None:
    """Write comment lines after the entry ``container[key]``."""
    if not lines or not (_is_rt_map(container) or is_rt_seq(container)):
        return
    chain = _tail_chain(container, key)
    kind, holder, k = next(p for p in chain if p[0] == "item")
    slot = _slot(holder)
    entry = holder.ca.items.setdefault(k, [None, None, None, None])
    while len(entry) <= slot:
        entry.append(None)
    tok = entry[slot]
    if tok is not None and tok.value.endswith("\n"):
        tok.value = tok.value + lines
    elif _is_block_scalar(holder[k]):
        entry[slot] = _token(lines)
    else:
        entry[slot] = _token("\n" + lines)


def shift_comment_lines(lines: str, delta: int) -> str:
    if not delta or not lines:
        return lines
    out = []
    for line in lines.splitlines(keepends=True):
        if line.strip():
            ind = len(line) - len(line.lstrip(" "))
            line = " " * max(0, ind + delta) + line.lstrip(" ")
        out.append(line)
    return "".join(out)


def insert_key(mapping, pos: int, key, value) -> None:
    """Insert ``key: value`` at position ``pos``; comment lines that followed the entry before
    it now follow the new entry, so they stay above the key they describe."""
    if _is_rt_map(mapping):
        keys = list(mapping.keys())
        pos = max(0, min(pos, len(keys)))
        moved = take_trailing(mapping, keys[pos - 1]) if pos > 0 else ""
        mapping.insert(pos, key, value)
        give_trailing(mapping, key, moved)
        return
    items = list(mapping.items())
    pos = max(0, min(pos, len(items)))
    items.insert(pos, (key, value))
    mapping.clear()
    mapping.update(items)


def remove_key(mapping, key, extra: str = ""):
    """Remove an entry, keeping the comment lines that followed it (and ``extra`` lines)
    where they were; returns the entry's end-of-line comment token (to carry along when the
    entry moves), or None."""
    if not _is_rt_map(mapping):
        del mapping[key]
        return None
    keys = list(mapping.keys())
    pos = keys.index(key)
    moved = extra + take_trailing(mapping, key)
    entry = mapping.ca.items.get(key)
    eol = None
    if entry and len(entry) > 2 and entry[2] is not None and not _is_block_scalar(mapping[key]):
        if entry[2].value.lstrip(" ").startswith("#"):
            eol = entry[2]
    pre = _comment_text(entry[1]) if entry and len(entry) > 1 else ""
    header = take_header(mapping, key)
    del mapping[key]
    mapping.ca.items.pop(key, None)
    if pre or header:  # comments written before the removed key or its first line stay put
        moved = pre + header + moved
    if moved:
        if pos > 0:
            give_trailing(mapping, keys[pos - 1], moved)
        elif len(mapping):
            first = list(mapping.keys())[0]
            e = mapping.ca.items.setdefault(first, [None, None, None, None])
            e[1] = (e[1] or []) + [_token(moved)]
        else:
            _ORPHANS[id(mapping)] = moved  # the caller removes the empty mapping
    return eol


def _comment_text(tokens) -> str:
    """Comment tokens (a list of pre-comments) as the lines they stand for."""
    if not isinstance(tokens, list):
        return ""
    out = []
    for t in tokens:
        if t is None or not hasattr(t, "value"):
            continue
        v = t.value
        out.append(v[1:] if v.startswith("\n") else " " * (t.column or 0) + v)
    return "".join(out)


def take_header(mapping, key) -> str:
    """Remove and return the comment lines between ``key:`` and the first entry of its
    (block collection) value."""
    if not _is_rt_map(mapping):
        return ""
    entry = mapping.ca.items.get(key)
    text = ""
    if entry and len(entry) > 3 and entry[3]:
        text = _comment_text(entry[3])
        entry[3] = None
    value = mapping.get(key)
    ca = getattr(value, "ca", None)
    if ca is not None and isinstance(ca.comment, list) and len(ca.comment) > 1 and ca.comment[1]:
        text = text or _comment_text(ca.comment[1])
        ca.comment[1] = None
    return text


def set_pre(mapping, key, lines: str) -> None:
    """Write comment lines just above ``key``."""
    if not lines or not _is_rt_map(mapping):
        return
    entry = mapping.ca.items.setdefault(key, [None, None, None, None])
    entry[1] = (entry[1] or []) + [_token(lines)]


_ORPHANS: dict = {}  # id(emptied mapping) -> comment lines it still carried


def take_orphaned(mapping) -> str:
    """The comment lines ``remove_key`` could not leave in ``mapping`` because it removed
    its last entry; pass them as ``extra`` when removing the emptied mapping itself."""
    return _ORPHANS.pop(id(mapping), "")


def forget_orphans() -> None:
    """Start a new file: drop what ``take_orphaned`` was never asked for."""
    _ORPHANS.clear()


def set_eol(mapping, key, token, shift: int = 0) -> None:
    """Give ``mapping[key]`` the end-of-line comment ``token`` (moved from elsewhere)."""
    if token is None or not _is_rt_map(mapping):
        return
    ry = _ry()
    value = token.value if token.value.endswith("\n") else token.value + "\n"
    entry = mapping.ca.items.setdefault(key, [None, None, None, None])
    entry[2] = ry.tokens.CommentToken(value, ry.error.CommentMark((token.column or 0) + shift), None)


def new_map_like(like):
    if _is_rt_map(like) or is_rt_seq(like):
        return _ry().comments.CommentedMap()
    return {}


def set_value(container, key, value) -> None:
    """Replace a scalar value, keeping its quoting style in YAML."""
    old = container[key]
    if isinstance(value, str) and _ruamel_mod is not None:
        ss = _ruamel_mod.scalarstring
        if isinstance(old, ss.ScalarString) and not isinstance(old, (ss.LiteralScalarString, ss.FoldedScalarString)):
            value = type(old)(value)
    container[key] = value


# ---- line merge: apply ruamel's change to the text as written


def _boundary(ops, p: int, pick) -> int:
    cands = []
    for tag, i1, i2, j1, j2 in ops:
        if p == j1:
            cands.append(i1)
        if p == j2:
            cands.append(i2)
        if tag == "equal" and j1 < p < j2:
            cands.append(i1 + p - j1)
    return pick(cands)


def _flip(ops):
    return [(t, j1, j2, i1, i2) for t, i1, i2, j1, j2 in ops]


def merge_lines(orig: str, base: str, new: str) -> str:
    """``orig`` is the text as written, ``base`` ruamel's dump of it and ``new`` ruamel's dump
    after the fix. Apply the change base -> new to ``orig``: every line the change does not
    touch keeps its original text; where the change meets a line ruamel wrote differently
    from the original, the change's lines win for that region only."""
    O, B, N = keep_ends(orig), keep_ends(base), keep_ends(new)
    ob = difflib.SequenceMatcher(None, O, B, autojunk=False).get_opcodes()
    bn = difflib.SequenceMatcher(None, B, N, autojunk=False).get_opcodes()
    blocks = [(j1, j2) for t, _, _, j1, j2 in ob if t != "equal"] + [(i1, i2) for t, i1, i2, _, _ in bn if t != "equal"]
    ranges = sorted([i1, i2] for t, i1, i2, _, _ in bn if t != "equal")
    if not ranges:
        return orig

    def touches(r, b):
        a1, a2 = r
        j1, j2 = b
        if j1 < a2 and a1 < j2:
            return True
        if a1 == a2 and j1 < a1 < j2:
            return True
        if j1 == j2 and a1 < j1 < a2:
            return True
        return False

    changed = True
    while changed:
        changed = False
        for r in ranges:
            for b in blocks:
                if touches(r, b) and (b[0] < r[0] or b[1] > r[1]):
                    r[0], r[1] = min(r[0], b[0]), max(r[1], b[1])
                    changed = True
        ranges.sort()
        merged: list = []
        for r in ranges:
            if merged and r[0] <= merged[-1][1]:
                if r[1] > merged[-1][1]:
                    merged[-1][1] = r[1]
                    changed = True
                else:
                    changed = changed or r != merged[-1]
            else:
                merged.append(r)
        if len(merged) != len(ranges):
            changed = True
        ranges = merged

    ob_B = ob  # opcodes O->B: map a B boundary to O with (j -> i)
    bn_B = _flip(bn)  # opcodes flipped so that B is the second sequence: map B -> N
    out, o_pos = [], 0
    for a1, a2 in ranges:
        o1 = _boundary(ob_B, a1, max)
        o2 = max(o1, _boundary(ob_B, a2, min))
        n1 = _boundary(bn_B, a1, min)
        n2 = max(n1, _boundary(bn_B, a2, max))
        out.extend(O[o_pos:o1])
        out.extend(N[n1:n2])
        o_pos = o2
    out.extend(O[o_pos:])
    return "".join(out)


def _plain(text: str):
    """A YAML text's data, as the linter's loader builds it (None if it does not parse)."""
    import yaml

    from .document import Builder

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        nodes = list(yaml.compose_all(text, Loader=loader))
        return [Builder().build(n) if n is not None else None for n in nodes]
    except Exception:
        return None
