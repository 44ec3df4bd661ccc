"""The embedded-JSON editor of ``--fix``: a JSON text whose value a fix changes in place and
that is written back in its own style.

Every value the fix did not change keeps its text; a changed object or array is laid out
like the original (indent unit, one member per line or inline, spacing after ``:`` and
``,``), a new one like the rest of the text. Used for ``.json`` files and for JSON held in a
string (a ConfigMap's ``config.json: |``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .jsonparse import JSONError, parse_json
from .rule import Refused


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
