"""Automatic fixes: ``--fix`` rewrites files in place, ``--diff`` shows what it would do.

Only the fix may change a file; everything else keeps its bytes:

* YAML files are cut into their documents at ``---`` lines and only a document that gets a
  fix is loaded, with ruamel.yaml's round-trip loader (comments, key order, quotes kept; the
  mapping indent, sequence indent and dash offset are detected from that document). ruamel's
  dump of the document *before* the fix and its dump *after* it are compared line by line, and
  only the lines the fix changed replace lines of the original text, so whatever ruamel would
  normalise elsewhere (folded long strings, trailing blanks, flow spacing) stays as written.
  The result is checked: it must load to exactly what ruamel's full dump loads to.
* JSON (a ``.json`` file, or JSON in a ConfigMap data value) is edited by splicing: every
  value the fix did not change keeps its text; a changed object or array is laid out like the
  original (indent unit, one member per line or inline, spacing after ``:`` and ``,``). JSON
  from a ConfigMap goes back into the YAML as a literal block scalar (``|``).
* A file is written atomically (a temporary file in its directory, then ``os.replace``) and
  keeps its permissions, BOM and line endings. A file that does not parse is never touched.
  A fix that is not safe is refused with its reason; the finding then stays.

Fixers are registered per rule code in ``FIXERS``; each gets the document (``DocEdit``), the
finding and a ``FixContext`` and returns a short description of what it changed, or raises
``Refused``. ruamel.yaml is imported here only, and this module only for --fix/--diff.
"""

from __future__ import annotations

import codecs
import difflib
import io
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable

from .domain import WORKLOAD_POD_SPEC
from .jsonparse import JSONError, parse_json


class Refused(Exception):
    """A fix that is not safe here; the message says why."""


# ======================================================================================
# results


@dataclass
class FileFix:
    path: str
    old: str = ""
    new: str | None = None  # None: the file is not changed
    fixed: list = field(default_factory=list)  # (Finding, description)
    refused: list = field(default_factory=list)  # (Finding, reason)
    error: str | None = None  # the whole file was left alone, and why
    written: bool = False
    bom: bool = False  # the file starts with a UTF-8 BOM (kept when written)

    @property
    def changed(self) -> bool:
        return self.new is not None and self.new != self.old

    def diff(self) -> str:
        if not self.changed:
            return ""
        name = self.path.replace(os.sep, "/").lstrip("/")
        if name.startswith("./"):
            name = name[2:]
        lines = difflib.unified_diff(
            _keep_ends(self.old), _keep_ends(self.new), fromfile=f"a/{name}", tofile=f"b/{name}"
        )
        out = []
        for line in lines:
            if not line.endswith("\n"):
                line += "\n\\ No newline at end of file\n"
            out.append(line)
        return "".join(out)


def _keep_ends(text: str) -> list[str]:
    return text.splitlines(keepends=True)


@dataclass
class FixReport:
    files: list = field(default_factory=list)  # FileFix, in path order

    @property
    def changed(self) -> list:
        return [f for f in self.files if f.changed]

    @property
    def fixed_count(self) -> int:
        return sum(len(f.fixed) for f in self.files if f.changed)

    @property
    def refused_count(self) -> int:
        return sum(len(f.refused) for f in self.files)

    def diff(self) -> str:
        return "".join(f.diff() for f in self.files)

    def summary(self, dry_run: bool = False) -> list[str]:
        """Lines for stderr: what was fixed and what was not (with the reason), per file."""
        verb = "would fix" if dry_run else "fixed"
        out = []
        for ff in self.files:
            done = [(f, f"{verb} {f.rule}: {what}") for f, what in ff.fixed] if ff.changed else []
            left = [(f, f"cannot fix {f.rule}: {why}") for f, why in ff.refused]
            for f, line in sorted(done + left, key=lambda p: (p[0].line, p[0].column, p[0].rule)):
                out.append(f"{ff.path}:{f.line}:{f.column}: {line}")
        total = f"{verb} {self.fixed_count} finding(s) in {len(self.changed)} file(s)"
        if self.refused_count:
            total += f"; {self.refused_count} fixable finding(s) left as they were (reasons above)"
        out.append(total)
        return out


@dataclass
class FixContext:
    """What fixers see besides their document: the linted set and the options."""

    index: Any = None
    options: Any = None
    _served: dict | None = None

    def rule_option(self, code: str, name: str, key: str, default):
        opts = getattr(self.options, "rule_options", None) or {}
        return (opts.get(code) or opts.get(name) or {}).get(key, default)

    def providers_serving(self) -> tuple[dict, set]:
        """(model -> Bifrost provider names whose keys list it, every provider name), over
        every Bifrost config in the linted set (array-form providers included)."""
        if self._served is None:
            from .domain import bifrost_configs

            served: dict = {}
            names: set = set()
            for doc in getattr(self.index, "documents", None) or ():
                for cfg in bifrost_configs(doc):
                    providers = cfg.data.get("providers")
                    if isinstance(providers, dict):
                        entries = [(k, v) for k, v in providers.items() if isinstance(k, str)]
                    elif isinstance(providers, list):
                        entries = []
                        for p in providers:
                            if isinstance(p, dict):
                                n = p.get("provider") if isinstance(p.get("provider"), str) else p.get("name")
                                if isinstance(n, str) and n:
                                    entries.append((n, p))
                    else:
                        continue
                    for pname, entry in entries:
                        names.add(pname)
                        keys = entry.get("keys") if isinstance(entry, dict) else None
                        for key in keys if isinstance(keys, list) else ():
                            models = key.get("models") if isinstance(key, dict) else None
                            for m in models if isinstance(models, list) else ():
                                if isinstance(m, str) and m:
                                    served.setdefault(m, set()).add(pname)
            self._served = {"served": served, "names": names}
        return self._served["served"], self._served["names"]


# ======================================================================================
# JSON, edited by splicing


class _JNode:
    """A value of the original JSON text: where it is, what it was."""

    __slots__ = ("start", "end", "value", "children", "keys", "base")

    def __init__(self, start, end, value, children, keys, base):
        self.start, self.end, self.value = start, end, value
        self.children = children  # dict key -> _JNode, list of _JNode, or None for scalars
        self.keys = keys  # dict key -> (start, end) of the key as written (objects)
        self.base = base  # leading white space of the line the value starts on


def _same(a, b) -> bool:
    """Equal, and of the same JSON type (True is not 1, 1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


class JsonText:
    """A JSON text whose value can be changed and written back in its own style.

    ``data`` is plain Python (dicts keep key order); change it in place, then ``render()``.
    Values the change did not touch keep their text; a changed object or array is laid out
    like the original one (or, when new, like the rest of the file)."""

    def __init__(self, text: str):
        self.text = text
        try:
            node = parse_json(text)
        except JSONError as exc:
            raise Refused(f"the JSON does not parse ({exc.message})") from None
        self._origin: dict = {}  # id(working container) -> _JNode
        self._alive: list = []  # keeps working containers alive, so ids stay unique
        try:
            self.root = self._build(node)
            self.data = self._copy(self.root)
        except RecursionError:
            raise Refused("the JSON is nested too deeply to rewrite") from None
        self._detect_style()

    # ---- reading ----------------------------------------------------------------------
    def _base(self, offset: int) -> str:
        text = self.text
        start = text.rfind("\n", 0, offset) + 1
        m = re.match(r"[ \t]*", text[start:offset])
        return m.group() if m else ""

    def _build(self, node) -> _JNode:
        start, end = node.start_mark.index, node.end_mark.index
        base = self._base(start)
        if node.id == "mapping":
            children, keys, value = {}, {}, {}
            for knode, vnode in node.value:
                key = knode.value
                if key in children:
                    raise Refused(f"the JSON has the key {key!r} twice in one object (IGW001); fix that first")
                keys[key] = (knode.start_mark.index, knode.end_mark.index)
                children[key] = self._build(vnode)
                value[key] = children[key].value
            return _JNode(start, end, value, children, keys, base)
        if node.id == "sequence":
            children = [self._build(v) for v in node.value]
            return _JNode(start, end, [c.value for c in children], children, None, base)
        return _JNode(start, end, json.loads(self.text[start:end]), None, None, base)

    def _copy(self, jn: _JNode):
        if isinstance(jn.children, dict):
            out: Any = {k: self._copy(c) for k, c in jn.children.items()}
        elif isinstance(jn.children, list):
            out = [self._copy(c) for c in jn.children]
        else:
            return jn.value
        self._origin[id(out)] = jn
        self._alive.append(out)
        return out

    def _detect_style(self) -> None:
        """Indent unit, the text between a key and its value, and inline spacing, from the
        first place in the text that shows each."""
        self.unit, self.colon = "  ", ": "
        self.comma, self.obj_pad, self.arr_pad = ", ", "", ""
        seen: set = set()
        stack = [self.root]
        text = self.text
        while stack and len(seen) < 5:
            jn = stack.pop()
            if jn.children is None:
                continue
            is_obj = isinstance(jn.children, dict)
            kids = list(jn.children.values()) if is_obj else list(jn.children)
            if not kids:
                continue
            starts = [jn.keys[k][0] for k in jn.children] if is_obj else [k.start for k in kids]
            if "unit" not in seen and "\n" in text[jn.start:starts[0]]:
                first = self._base(starts[0])
                if first.startswith(jn.base) and len(first) > len(jn.base):
                    self.unit = first[len(jn.base):]
                    seen.add("unit")
            if is_obj and "colon" not in seen:
                k_end = next(iter(jn.keys.values()))[1]
                gap = text[k_end:kids[0].start]
                if re.fullmatch(r"[ \t]*:[ \t]*", gap):
                    self.colon = gap
                    seen.add("colon")
            if "\n" not in text[jn.start:jn.end]:
                pad = text[jn.start + 1:starts[0]]
                which = "obj" if is_obj else "arr"
                if which not in seen:
                    seen.add(which)
                    if is_obj:
                        self.obj_pad = pad
                    else:
                        self.arr_pad = pad
                if len(kids) > 1 and "comma" not in seen:
                    gap = text[kids[0].end:starts[1]]
                    if re.fullmatch(r"[ \t]*,[ \t]*", gap):
                        self.comma = gap
                        seen.add("comma")
            stack.extend(reversed(kids))

    # ---- writing ----------------------------------------------------------------------
    def render(self) -> str:
        root = self.root
        return self.text[:root.start] + self._emit(self.data, root, root.base) + self.text[root.end:]

    @staticmethod
    def _rebase(s: str, old: str, new: str) -> str:
        """Move the lines after the first of ``s`` from indentation ``old`` to ``new``
        (JSON has no newlines inside strings, so every line break is layout)."""
        if old == new or "\n" not in s:
            return s
        lines = s.split("\n")
        for i in range(1, len(lines)):
            line = lines[i]
            if line.startswith(old):
                lines[i] = new + line[len(old):]
            else:  # less indented than its container: keep it relative to the new base
                stripped = line.lstrip(" \t")
                lines[i] = new + stripped if stripped else line
        return "\n".join(lines)

    def _origin_of(self, value, fallback: _JNode | None) -> _JNode | None:
        if isinstance(value, (dict, list)):
            jn = self._origin.get(id(value))
            if jn is not None:
                return jn
        return fallback

    def _emit(self, value, jn: _JNode | None, base: str) -> str:
        text = self.text
        if jn is not None and _same(value, jn.value):
            return self._rebase(text[jn.start:jn.end], jn.base, base)
        if jn is not None and isinstance(value, dict) and isinstance(jn.children, dict) and list(value) == list(jn.children):
            return self._splice(value, jn, list(jn.children.items()), base)
        if jn is not None and isinstance(value, list) and isinstance(jn.children, list) and len(value) == len(jn.children):
            return self._splice(value, jn, list(enumerate(jn.children)), base)
        return self._layout(value, jn, base)

    def _splice(self, value, jn: _JNode, slots, base: str) -> str:
        """The container as written, each changed child replaced in place."""
        text, out, pos = self.text, [], jn.start
        for key, child in slots:
            out.append(self._rebase(text[pos:child.start], jn.base, base))
            child_base = base + child.base[len(jn.base):] if child.base.startswith(jn.base) else base
            out.append(self._emit(value[key], self._origin_of(value[key], child), child_base))
            pos = child.end
        out.append(self._rebase(text[pos:jn.end], jn.base, base))
        return "".join(out)

    def _layout(self, value, jn: _JNode | None, base: str) -> str:
        """A changed container (or a new one) written in the file's style."""
        if not isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        is_obj = isinstance(value, dict)
        if not value:
            return "{}" if is_obj else "[]"
        if jn is not None and jn.children is not None:
            multiline = "\n" in self.text[jn.start:jn.end]
        else:
            multiline = any(isinstance(v, (dict, list)) and v for v in value.values() if is_obj) or (
                not is_obj and any(isinstance(v, (dict, list)) and v for v in value)
            )
        for attempt in (multiline, True):
            inner = base + self.unit if attempt else base
            parts = []
            if is_obj:
                keys = jn.keys if jn is not None and isinstance(jn.keys, dict) else {}
                kids = jn.children if jn is not None and isinstance(jn.children, dict) else {}
                for k, v in value.items():
                    ktext = self.text[keys[k][0]:keys[k][1]] if k in keys else json.dumps(k, ensure_ascii=False)
                    parts.append(ktext + self.colon + self._emit(v, self._origin_of(v, kids.get(k)), inner))
            else:
                for v in value:
                    parts.append(self._emit(v, self._origin_of(v, None), inner))
            open_, close = ("{", "}") if is_obj else ("[", "]")
            if attempt:
                return open_ + "\n" + ",\n".join(inner + p for p in parts) + "\n" + base + close
            inline = open_ + (self.obj_pad if is_obj else self.arr_pad)
            inline += self.comma.join(parts) + (self.obj_pad if is_obj else self.arr_pad) + close
            if "\n" not in inline:
                return inline
        raise AssertionError("unreachable")  # pragma: no cover


# ======================================================================================
# YAML: documents, indentation, ruamel


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


def _is_rt_seq(v) -> bool:
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
        if (_is_rt_map(v) or _is_rt_seq(v)) and not _is_flow(v):
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
    if not (_is_rt_map(container) or _is_rt_seq(container)):
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
    if not lines or not (_is_rt_map(container) or _is_rt_seq(container)):
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


def _shift_comment_lines(lines: str, delta: int) -> str:
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


def set_eol(mapping, key, token, shift: int = 0) -> None:
    """Give ``mapping[key]`` the end-of-line comment ``token`` (moved from elsewhere)."""
    if token is None or not _is_rt_map(mapping):
        return
    ry = _ry()
    value = token.value if token.value.endswith("\n") else token.value + "\n"
    entry = mapping.ca.items.setdefault(key, [None, None, None, None])
    entry[2] = ry.tokens.CommentToken(value, ry.error.CommentMark((token.column or 0) + shift), None)


def new_map_like(like):
    if _is_rt_map(like) or _is_rt_seq(like):
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
    O, B, N = _keep_ends(orig), _keep_ends(base), _keep_ends(new)
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


# ======================================================================================
# documents being fixed


class DocEdit:
    """One document of a file, open for fixing. ``root`` is the document (ruamel objects for
    YAML, plain data for JSON); ``resolve`` walks a finding's path, also into JSON held in a
    string (a ConfigMap's ``config.json: |``)."""

    def __init__(self, root, path: str, kind: str):
        self.root = root
        self.path = path  # the file
        self.kind = kind  # "yaml" | "json"
        self.embedded: dict = {}  # path prefix -> (container, key, JsonText)
        self.fixed: list = []  # (Finding, description)
        self.style: YamlStyle | None = None
        self.items: dict = {}  # id(resource) -> _ItemEdit, for the items of a kind: List

    def resolve(self, path: tuple):
        """(container, key) of ``path``; raises Refused when the path no longer exists."""
        if not path:
            raise Refused("the finding names the whole document")
        cur = self.root
        for i, seg in enumerate(path[:-1]):
            cur = self._step(cur, seg, path[: i + 1])
        return cur, path[-1]

    def _step(self, cur, seg, prefix):
        if isinstance(cur, dict):
            if seg not in cur:
                raise Refused(f"{_fmt(prefix)} is no longer in the document")
            val = cur[seg]
        elif isinstance(cur, list) and isinstance(seg, int) and 0 <= seg < len(cur):
            val = cur[seg]
        else:
            raise Refused(f"{_fmt(prefix)} is no longer in the document")
        if isinstance(val, str):
            emb = self.embedded.get(prefix)
            if emb is None:
                jt = JsonText(str(val))
                emb = self.embedded[prefix] = (cur, seg, jt)
            return emb[2].data
        return val

    def get(self, path: tuple):
        container, key = self.resolve(path)
        if isinstance(container, dict):
            if key not in container:
                raise Refused(f"{_fmt(path)} is no longer in the document")
            return container[key]
        if isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
            return container[key]
        raise Refused(f"{_fmt(path)} is no longer in the document")

    def finish(self) -> None:
        """Write changed embedded JSON back into its string value."""
        for sub in self.items.values():
            sub.finish()
        for prefix, (container, key, jt) in self.embedded.items():
            new = jt.render()
            if new == jt.text:
                continue
            if self.kind == "yaml" and "\n" in new:
                ss = _ry().scalarstring
                container[key] = ss.LiteralScalarString(new)
            else:
                set_value(container, key, new)


def _fmt(path: tuple) -> str:
    from .rule import field_path

    return field_path(tuple(path)) or "(document)"


class _YamlDoc:
    """A document of a YAML file: its text, and ruamel's view of it once opened."""

    def __init__(self, text: str, first_line: int):
        self.text = text
        self.first_line = first_line  # 1-based line of the document's first line in the file
        self.edit: DocEdit | None = None
        self.base_dump = ""
        self.yaml = None

    def open(self, file_path: str) -> DocEdit:
        if self.edit is not None:
            return self.edit
        ry = _ry()
        style = detect_style(self.text)
        self.yaml = _yaml(style, self.text.startswith("---"))
        try:
            fresh = self.yaml.load(self.text)
            root = self.yaml.load(self.text)
        except ry.constructor.DuplicateKeyError:
            raise Refused("the document has a duplicate key (IGW001); fix that first") from None
        except ry.YAMLError as exc:
            raise Refused(f"ruamel.yaml cannot load the document ({str(exc).splitlines()[0]})") from None
        except Exception as exc:  # ruamel raises assorted errors on odd input
            raise Refused(f"ruamel.yaml cannot load the document ({type(exc).__name__})") from None
        buf = io.StringIO()
        self.yaml.dump(fresh, buf)
        self.base_dump = buf.getvalue()
        self.edit = DocEdit(root, file_path, "yaml")
        self.edit.style = style
        return self.edit

    def render(self) -> str:
        """The document's new text (its old text when nothing changed)."""
        edit = self.edit
        if edit is None or not edit.fixed:
            return self.text
        edit.finish()
        buf = io.StringIO()
        self.yaml.dump(edit.root, buf)
        full = buf.getvalue()
        if full == self.base_dump:
            return self.text
        merged = merge_lines(self.text, self.base_dump, full)
        want = _plain(full)
        if want is None:
            raise Refused("internal: ruamel.yaml wrote a document that does not load")
        if _plain(merged) != want:
            # the line merge met a part of the document ruamel writes very differently: use
            # ruamel's whole dump of this document (comments and order kept, layout normalised)
            return full
        return merged


# ======================================================================================
# the fixers


def _fix_igw201(doc: DocEdit, f, ctx: FixContext) -> str:
    container, key = doc.resolve(f.field)
    providers = doc.get(f.field)
    if not isinstance(providers, list):
        raise Refused("`providers` is no longer an array")
    names, problems = [], []
    for i, entry in enumerate(providers):
        if not isinstance(entry, dict):
            problems.append(f"entry #{i + 1} is not an object")
            continue
        prov, name = entry.get("provider"), entry.get("name")
        field_name = "provider" if isinstance(prov, str) and prov else ("name" if isinstance(name, str) and name else None)
        if field_name is None:
            problems.append(f"entry #{i + 1} has no `provider` (or `name`) string")
            continue
        names.append((entry[field_name], field_name))
    if problems:
        raise Refused("cannot key providers by name: " + "; ".join(problems) + "; add the names, then rerun --fix")
    seen, dups = set(), []
    for n, _ in names:
        if n in seen and n not in dups:
            dups.append(n)
        seen.add(n)
    if dups:
        raise Refused(
            "cannot key providers by name: " + ", ".join(repr(d) for d in dups) + " appears more than once; "
            "merge the keys of those entries into one provider by hand"
        )
    new = new_map_like(providers)
    for i, (entry, (n, field_name)) in enumerate(zip(providers, names)):
        trailing = take_trailing(providers, i) if _is_rt_seq(providers) else ""
        eol = remove_key(entry, field_name)
        new[n] = entry
        set_eol(new, n, eol, -(eol.column or 0) if eol is not None else 0)  # "name:  # comment" -> "key: # comment"
        give_trailing(new, n, trailing)
    set_value(container, key, new)
    shown = ", ".join(repr(n) for n, _ in names) or "no provider"
    return f"`providers` array -> object keyed by provider name ({shown})"


def _fix_igw202(doc: DocEdit, f, ctx: FixContext) -> str:
    accepted = ctx.rule_option("IGW202", "bifrost-otel-trace-type", "trace_types", ["otel"])
    accepted = [accepted] if isinstance(accepted, str) else [t for t in accepted or () if isinstance(t, str)]
    if "otel" in accepted or not accepted:
        want = "otel"
    elif len(accepted) == 1:
        want = accepted[0]
    else:
        raise Refused(f"the trace_types option accepts {', '.join(map(repr, accepted))}; choose one by hand")
    container, key = doc.resolve(f.field)
    old = doc.get(f.field)
    if old == want:
        raise Refused(f"trace_type is already {want!r}")
    if not isinstance(container, dict):
        raise Refused("the otel plugin config is not an object")
    set_value(container, key, want)
    return f"trace_type {old!r} -> {want!r}"


_LANGFUSE_OTEL = "/api/public/otel"


def _fix_igw204(doc: DocEdit, f, ctx: FixContext) -> str:
    if f.field[-1:] != ("collector_url",):
        raise Refused("only a collector_url ending in /api/public/otel is fixed automatically")
    container, key = doc.resolve(f.field)
    old = doc.get(f.field)
    if not isinstance(old, str):
        raise Refused("collector_url is not a string")
    if old.strip().startswith("env."):
        raise Refused("collector_url comes from an environment variable; fix the variable's value")
    url = old.strip().rstrip("/")
    if "?" in url or "#" in url or not url.endswith(_LANGFUSE_OTEL):
        raise Refused(f"the URL does not end with {_LANGFUSE_OTEL}; set the OTLP traces URL by hand")
    try:
        from infergw_lint.rules.igw204_bifrost_otel_collector_url import effective_path, split_url
    except ImportError:  # pragma: no cover - the rule module is part of the package
        effective_path = split_url = None
    if effective_path is not None and ctx.index is not None:
        _, host, _, path = split_url(url)
        _, route = effective_path(ctx.index, host, path)
        if route is not None:
            raise Refused(
                f"HTTPRoute {ctx.index.namespace_of(route)}/{route.name} rewrites this path, so the URL alone does "
                "not decide what Langfuse receives: make the URL and the rewrite agree by hand"
            )
    new = url + "/v1/traces"
    set_value(container, key, new)
    return f"collector_url -> {new!r} (Bifrost posts to the URL as written)"




def _fix_igw203(doc: DocEdit, f, ctx: FixContext) -> str:
    want = ctx.rule_option("IGW203", "bifrost-missing-fsgroup", "fs_group", 1000)
    if isinstance(want, bool) or not isinstance(want, int):
        raise Refused(f"the configured fs_group {want!r} is not a number")
    root = doc.root
    kind = root.get("kind") if isinstance(root, dict) else None
    path = WORKLOAD_POD_SPEC.get(kind if isinstance(kind, str) else "")
    if path is None:
        raise Refused("not a workload with a pod template")
    spec = doc.get(path)
    if not isinstance(spec, dict):
        raise Refused("the pod spec is not a mapping")
    if "securityContext" not in spec or spec["securityContext"] is None:
        sc = new_map_like(spec)
        sc["fsGroup"] = want
        if "securityContext" in spec:
            spec["securityContext"] = sc
        else:
            keys = list(spec.keys())
            firsts = [keys.index(k) for k in ("initContainers", "containers") if k in keys]
            # before the containers (after any other pod field), or last when they come first
            insert_key(spec, min(firsts) if firsts and min(firsts) > 0 else len(keys), "securityContext", sc)
        return f"added securityContext.fsGroup: {want} to the pod spec"
    sc = spec["securityContext"]
    if not isinstance(sc, dict):
        raise Refused("the pod securityContext is not a mapping")
    old = sc.get("fsGroup")
    if "fsGroup" in sc:
        if old == want and type(old) is type(want):
            raise Refused(f"fsGroup is already {want}")
        set_value(sc, "fsGroup", want)
        return f"securityContext.fsGroup {old!r} -> {want}"
    insert_key(sc, len(sc), "fsGroup", want)
    return f"added fsGroup: {want} to the existing pod securityContext"


_PREFIXED = re.compile(r"^[^/\s]+/\S+$")


def _fix_igw301(doc: DocEdit, f, ctx: FixContext) -> str:
    container, key = doc.resolve(f.field)
    model = doc.get(f.field)
    if not isinstance(model, str) or not model.strip():
        raise Refused("the model name is not a string")
    model = model.strip()
    aider = os.path.basename(f.path).lower() in (".aider.conf.yml", ".aider.conf.yaml")
    if aider:
        if model.count("/") > 1:
            raise Refused("the model already has two prefixes")
        if "/" in model and not model.startswith("openai/"):
            raise Refused(
                f"{model!r} names the LiteLLM provider {model.split('/', 1)[0]!r}, which does not go through "
                "the OpenAI-compatible gateway; choose the model by hand"
            )
    elif _PREFIXED.match(model):
        raise Refused("the model already has a provider prefix")
    bare = model.split("/")[-1]
    served, names = ctx.providers_serving()
    providers = sorted(served.get(bare, ()))
    if not providers and len(names) == 1:
        providers = sorted(names)
    if not providers:
        where = "no Bifrost config is in the linted files" if not names else "no Bifrost provider lists it in keys[].models"
        raise Refused(f"cannot tell which provider serves {bare!r}: {where}; write the prefix by hand (or lint the Bifrost config too)")
    if len(providers) > 1:
        raise Refused(
            f"{len(providers)} Bifrost providers serve {bare!r} ({', '.join(providers)}); write the prefix you mean by hand"
        )
    new = f"{providers[0]}/{bare}"
    if aider:
        new = "openai/" + new
    set_value(container, key, new)
    return f"model {model!r} -> {new!r}"


_AWS_LB_PREFIXES = ("service.beta.kubernetes.io/aws-load-balancer-",)
_AWS_LB_KEYS = ("service.beta.kubernetes.io/load-balancer-source-ranges",)
_MAX_INFRA_ANNOTATIONS = 8  # Gateway API limit on spec.infrastructure.annotations


def _is_aws_lb(key) -> bool:
    return isinstance(key, str) and (key.startswith(_AWS_LB_PREFIXES) or key in _AWS_LB_KEYS)


def _fix_igw402(doc: DocEdit, f, ctx: FixContext) -> str:
    """Move every AWS load-balancer annotation of the Gateway's metadata to
    spec.infrastructure.annotations (the rule reports them once, on the first)."""
    path = tuple(f.field)
    if len(path) != 3 or path[:2] != ("metadata", "annotations"):
        raise Refused("only AWS annotations under metadata.annotations are moved automatically")
    root = doc.root
    meta = doc.get(("metadata",))
    ann = doc.get(("metadata", "annotations"))
    if not isinstance(meta, dict) or not isinstance(ann, dict):
        raise Refused("metadata.annotations is not a mapping")
    names = [k for k in ann if _is_aws_lb(k)]
    if not names:
        raise Refused("metadata.annotations has no AWS load-balancer annotation any more")
    spec = root.get("spec") if isinstance(root, dict) else None
    if not isinstance(spec, dict):
        raise Refused("the Gateway has no spec mapping to move the annotations to")
    infra = spec.get("infrastructure")
    if infra is not None and not isinstance(infra, dict):
        raise Refused("spec.infrastructure is not a mapping")
    target = infra.get("annotations") if isinstance(infra, dict) else None
    if target is not None and not isinstance(target, dict):
        raise Refused("spec.infrastructure.annotations is not a mapping")
    existing = target if isinstance(target, dict) else {}
    for name in names:
        if name in existing and existing[name] != ann[name]:
            raise Refused(
                f"spec.infrastructure.annotations already sets {name} to {existing[name]!r} and metadata says "
                f"{ann[name]!r}; keep the one you mean by hand"
            )
    adding = [n for n in names if n not in existing]
    if len(existing) + len(adding) > _MAX_INFRA_ANNOTATIONS:
        raise Refused(
            f"spec.infrastructure.annotations would hold {len(existing) + len(adding)} entries (at most "
            f"{_MAX_INFRA_ANNOTATIONS}); move them to the GatewayParameters spec.kube.service.extraAnnotations by hand"
        )
    # everything is checked: move them (with the comment above them, when all of them go)
    header = take_header(meta, "annotations") if len(names) == len(ann) else ""
    moving = []
    for name in names:
        value = ann[name]
        moving.append((name, value, remove_key(ann, name)))
    if not ann:
        remove_key(meta, "annotations", extra=_ORPHANS.pop(id(ann), ""))
    if infra is None:
        infra = new_map_like(spec)
        keys = list(spec.keys())
        pos = keys.index("gatewayClassName") + 1 if "gatewayClassName" in keys else len(keys)
        insert_key(spec, pos, "infrastructure", infra)
    if target is None:
        target = new_map_like(spec)
        insert_key(infra, len(infra), "annotations", target)
    shift = (doc.style.mapping if doc.style else 2)  # one level deeper than metadata.annotations
    for name, value, eol in moving:
        if name in target:
            continue
        insert_key(target, len(target), name, value)
        set_eol(target, name, eol, shift)
        set_pre(target, name, _shift_comment_lines(header, shift))
        header = ""
    shown = ", ".join(n.rsplit("/", 1)[-1] for n in names)
    return f"moved {shown} from metadata.annotations to spec.infrastructure.annotations (kgateway copies only those)"


# code -> (fixer, order): value fixes run before fixes that change the shape of a document
FIXERS: dict[str, tuple[Callable, int]] = {
    "IGW202": (_fix_igw202, 0),
    "IGW204": (_fix_igw204, 0),
    "IGW301": (_fix_igw301, 0),
    "IGW203": (_fix_igw203, 1),
    "IGW402": (_fix_igw402, 2),
    "IGW201": (_fix_igw201, 3),
}


# ======================================================================================
# files


def _decode(raw: bytes) -> tuple[str, bool]:
    bom = raw.startswith(codecs.BOM_UTF8)
    return raw.decode("utf-8-sig"), bom


def _parses(path: str, text: str) -> tuple[bool, int]:
    """(does the text load without IGW000, number of IGW001 duplicate keys)."""
    from .loader import LoadResult, parse_source
    from .source import SourceFile

    result = LoadResult()
    parse_source(SourceFile(path, text), result)
    bad = [p for p in result.problems if p.code == "IGW000"]
    dups = sum(1 for p in result.problems if p.code == "IGW001")
    return not bad, dups


def _order(f) -> tuple:
    return (FIXERS[f.rule][1], f.line, f.column, f.rule)


def fix_file(path: str, findings: list, ctx: FixContext, expect_text: str | None = None) -> FileFix:
    """Apply the fixes for ``findings`` (all in ``path``) and return the new text (nothing is
    written here)."""
    ff = _fix_file(path, findings, ctx, expect_text)
    if ff.error:
        ff.refused = [(f, ff.error) for f in sorted(findings, key=lambda f: (f.line, f.column, f.rule))]
    return ff


def _fix_file(path: str, findings: list, ctx: FixContext, expect_text: str | None) -> FileFix:
    ff = FileFix(path)
    _ORPHANS.clear()
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        ff.error = f"cannot read the file ({exc.strerror or exc})"
        return ff
    try:
        text, bom = _decode(raw)
    except UnicodeDecodeError:
        ff.error = "not UTF-8 text"
        return ff
    ff.old = text
    if expect_text is not None and text != expect_text:
        ff.error = "the file changed while it was being linted; run again"
        return ff
    crlf = "\r\n" in text
    if crlf and text.count("\r\n") != text.count("\n"):
        ff.error = "mixed line endings (CRLF and LF); not rewritten"
        return ff
    work = text.replace("\r\n", "\n") if crlf else text
    ok, dups_before = _parses(path, text)
    if not ok:
        ff.error = "the file does not parse (IGW000); fix its syntax first"
        return ff
    is_json = path.lower().endswith(".json")
    docs: list = []
    if is_json:
        try:
            jt = JsonText(work)
        except Refused as exc:
            ff.error = str(exc)
            return ff
        single = DocEdit(jt.data, path, "json")
    else:
        starts = split_documents(work)
        line = 1
        for s, e in starts:
            docs.append(_YamlDoc(work[s:e], line))
            line += work.count("\n", s, e)

    broken: dict = {}  # id(DocEdit) -> why: a fixer failed half-way, so nothing of it is kept
    for f in sorted(findings, key=_order):
        edit = None
        try:
            if is_json:
                edit = single
            else:
                ydoc = _doc_for_line(docs, f.line)
                edit = ydoc.open(path)
                edit = _item_edit(edit, ydoc, f)
            what = FIXERS[f.rule][0](edit, f, ctx)
            edit.fixed.append((f, what))
        except Refused as exc:
            ff.refused.append((f, str(exc)))
        except Exception as exc:  # a bug in a fixer must not cost the user the file
            why = f"internal error in the {f.rule} fixer ({type(exc).__name__}: {exc}); document left unchanged"
            ff.refused.append((f, why))
            if edit is not None:
                broken[id(getattr(edit, "owner", edit))] = why

    def give_up(edit, why):
        ff.refused.extend((f, why) for f, _ in edit.fixed)
        edit.fixed.clear()

    if is_json:
        if id(single) in broken:
            give_up(single, broken[id(single)])
        try:
            new_work = jt.render() if single.fixed else work
        except Exception as exc:
            give_up(single, f"internal error while writing the JSON ({type(exc).__name__}); left unchanged")
            new_work = work
        fixed = list(single.fixed)
    else:
        pieces, fixed = [], []
        for ydoc in docs:
            edit = ydoc.edit
            if edit is not None and id(edit) in broken:
                give_up(edit, broken[id(edit)])
            try:
                pieces.append(ydoc.render())
            except Refused as exc:
                pieces.append(ydoc.text)
                give_up(edit, str(exc))
            except Exception as exc:
                pieces.append(ydoc.text)
                give_up(edit, f"internal error while writing the document ({type(exc).__name__}); left unchanged")
            if edit is not None:
                fixed += edit.fixed
        new_work = "".join(pieces)

    new_text = new_work.replace("\n", "\r\n") if crlf else new_work
    if new_text != text:
        ok, dups_after = _parses(path, new_text)
        if not ok or dups_after > dups_before:
            ff.refused += [(f, "internal: the fixed file would not load; left unchanged") for f, _ in fixed]
            return ff
        ff.new = new_text
        ff.bom = bom
    ff.fixed = sorted(fixed, key=lambda p: (p[0].line, p[0].column, p[0].rule))
    ff.refused.sort(key=lambda p: (p[0].line, p[0].column, p[0].rule))
    return ff


def _doc_for_line(docs: list, line: int) -> _YamlDoc:
    chosen = docs[0]
    for d in docs:
        if d.first_line <= line:
            chosen = d
        else:
            break
    return chosen


class _ItemEdit(DocEdit):
    """A resource inside a ``kind: List`` document; its fixes count for the whole document."""

    def __init__(self, owner: DocEdit, item):
        super().__init__(item, owner.path, owner.kind)
        self.owner = owner
        self.fixed = owner.fixed
        self.style = owner.style
        owner.items[id(item)] = self


def _item_edit(edit: DocEdit, ydoc: _YamlDoc, f) -> DocEdit:
    root = edit.root
    res = f.resource or {}
    if isinstance(root, dict) and root.get("kind") == "List" and isinstance(root.get("items"), list) and res.get("kind") != "List":
        rel = f.line - ydoc.first_line  # 0-based line inside the document text
        chosen = None
        for item in root["items"]:
            lc = getattr(item, "lc", None)
            if lc is not None and lc.line is not None and lc.line <= rel:
                chosen = item
        if not isinstance(chosen, dict):
            raise Refused("could not find the resource inside the List")
        return edit.items.get(id(chosen)) or _ItemEdit(edit, chosen)
    if res and isinstance(root, dict):
        meta = root.get("metadata") if isinstance(root.get("metadata"), dict) else {}
        if root.get("kind") != res.get("kind") or meta.get("name") != res.get("name"):
            raise Refused("could not match the finding to its document")
    return edit


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step, keeping its permissions (and owner when
    allowed); a symlink is followed, not replaced."""
    target = os.path.realpath(path)
    st = os.stat(target)
    directory = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".fix.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        if hasattr(os, "chown"):
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def apply_fixes(result, options=None, *, write: bool = True) -> FixReport:
    """Fix every fixable, unsuppressed finding of a lint ``result``; write the files when
    ``write`` (else only compute the new texts, for --diff)."""
    index = getattr(result, "index", None)
    ctx = FixContext(index=index, options=options)
    texts = {}
    for doc in getattr(index, "documents", None) or ():
        texts.setdefault(doc.source.path, doc.source.text)
    by_file: dict = {}
    rendered = []
    for f in result.findings:
        if f.rule not in FIXERS or f.suppression is not None:
            continue
        if f.rendered:
            rendered.append(f)
        elif f.path != "-":
            by_file.setdefault(f.path, []).append(f)
    report = FixReport()
    for f in rendered:
        report.files.append(FileFix(f.path, refused=[(f, "found in kustomize/helm output: fix the source file by hand")]))
    stdin = [f for f in result.findings if f.rule in FIXERS and f.suppression is None and f.path == "-"]
    if stdin:
        report.files.append(FileFix("-", refused=[(f, "standard input cannot be fixed in place") for f in stdin]))
    for path in sorted(by_file):
        ff = fix_file(path, by_file[path], ctx, texts.get(path))
        if write and ff.changed:
            text = ff.new
            data = (codecs.BOM_UTF8 if ff.bom else b"") + text.encode("utf-8")
            try:
                write_atomic(path, data)
                ff.written = True
            except OSError as exc:
                ff.error = f"cannot write the file ({exc.strerror or exc})"
                ff.refused += [(f, ff.error) for f, _ in ff.fixed]
                ff.fixed = []
                ff.new = None
        report.files.append(ff)
    return report
