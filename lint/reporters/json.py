"""``--format json``: a stable, versioned shape for scripts and CI jobs."""

from __future__ import annotations

import json
from collections import Counter


_SUPPRESSED = object()  # to_dict's tally: a suppressed finding, whatever its severity


def to_dict(result, findings: bool = True) -> dict:
    # the summary's counts (``result.count`` of each severity, the suppressed findings) in one
    # pass over the findings instead of four: the report is written by one process
    tally = Counter(_SUPPRESSED if f.suppression is not None else f.severity for f in result.findings)
    return {
        "version": 1,
        "findings": [f.to_json() for f in result.findings] if findings else [],
        "summary": {
            "files": result.files,
            "resources": result.resources,
            "errors": tally["error"],
            "warnings": tally["warning"],
            "infos": tally["info"],
            "suppressed": tally[_SUPPRESSED],
        },
        "notes": list(result.notes) + list(result.internal_errors),
        "versions": _versions(result),
    }


def _versions(result) -> dict:
    """The stack profile the run linted against (lint/versions.py)."""
    profile = getattr(result, "versions", None)
    return profile.to_json() if profile is not None else {}


def render_json(result) -> str:
    """One finding per line: readable and diffable, and fast (``indent`` would make Python
    fall back to its pure-Python encoder, a tenth of a large run)."""
    return "".join(iter_json(result))


def iter_json(result, chunk: int = 1 << 20):
    """``render_json`` in pieces of at most about ``chunk`` characters, for writing as it is
    made (the whole report and its pieces are never in memory at once).  A finding's line
    with a character that is not ASCII (an ellipsis in a message: 107 of the 5,457 lines
    of the 10k corpus) is a piece of its own: joined into a chunk it would make the whole
    chunk a wider string, slower to join and to encode as UTF-8 (a seventh of the report's
    cost went there)."""
    data = to_dict(result, findings=False)  # each finding's dict is made when it is written

    dump = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), one encoder
    line = _line_writer(dump)

    parts = ['{\n  "version": 1,\n  "findings": [']
    size = 0
    sep = "\n    "
    for f in result.findings:
        text = line(f)
        if not text.isascii():
            if parts:
                yield "".join(parts)
                parts, size = [], 0
            yield sep + text
            sep = ",\n    "
            continue
        parts.append(sep)
        parts.append(text)
        sep = ",\n    "
        size += len(text) + 6
        if size >= chunk:
            yield "".join(parts)
            parts, size = [], 0
    parts.append("\n  ],\n" if result.findings else "],\n")
    parts.append(
        f'  "summary": {dump(data["summary"])},\n'
        f'  "notes": {dump(data["notes"])},\n'
        f'  "versions": {dump(data["versions"])}\n'
        "}\n"
    )
    yield "".join(parts)


MEMO_ENTRIES = 50_000  # encoded strings (and resources) kept per report
MEMO_CHARS = 4096  # longer strings are escaped each time


class _Escaped(dict):
    """str -> its JSON text (``None`` -> ``null``), each string escaped once by the C
    escaper ``dump`` itself calls for a string (a str subclass too, as ``dump`` writes it);
    any other key raises TypeError."""

    def __init__(self):
        super().__init__()
        self[None] = "null"

    def __missing__(self, s):
        out = _escape(s)  # TypeError for what is not a string
        if len(s) <= MEMO_CHARS and len(self) < MEMO_ENTRIES:
            self[s] = out
        return out


_escape = json.encoder.encode_basestring  # ensure_ascii=False


class _Resources(dict):
    """A finding's ``resource`` (its items, as a tuple) -> its JSON text, kept when every
    value is a string or None."""

    def __init__(self, dump):
        super().__init__()
        self.dump = dump

    def __missing__(self, items):
        out = self.dump(dict(items))
        if len(self) < MEMO_ENTRIES and all(type(k) is str and (v is None or type(v) is str) for k, v in items):
            self[items] = out
        return out


class _Numbers(dict):
    """int -> its text: lines and columns repeat, and formatting an int costs ten times a
    look-up."""

    def __missing__(self, n):
        out = str(n)
        if len(self) < MEMO_ENTRIES:
            self[n] = out
        return out


class _Fields(dict):
    """A finding's ``field`` (a tuple of keys and indexes) -> the JSON text of its
    ``field_path``: the same fields come back (``spec.rules[0].backendRefs[0]``), and
    ``field_path`` costs about twenty look-ups.  Asked only for a tuple of strings and
    ints: a bool or a float equal to an int would find its entry, and is written
    differently (``[True]``, ``[1]``)."""

    def __init__(self, text, field_path):
        super().__init__()
        self.text, self.field_path = text, field_path

    def __missing__(self, field):
        out = self.text[self.field_path(field)]
        if len(self) < MEMO_ENTRIES and type(field) is tuple:
            self[field] = out
        return out


_PLAIN_TYPE = frozenset((str, int)).__contains__


def _line_writer(dump):
    """``line(finding)``: ``dump(finding.to_json())``, the same text, made without the dict.

    Most of a report is the same strings again (a rule's name and URL on each of its
    findings, a file's path on each of its, 3,230 distinct messages among the 5,457
    findings of the 10k corpus), and escaping costs the C encoder about 30 instructions a
    character: each string is escaped once, and the line is put together from the
    pieces.  A finding with a value of another type than the usual (a custom policy's,
    a subclass's ``to_json``) is dumped whole.  A finding whose head was made while it
    was checked (``head_marker``) and whose values are still those it was made of gets
    only its tail written here."""
    head_of, text = _head_writer(dump)

    def line(f) -> str:
        kept = getattr(f, "_json_head", None)
        if (
            kept is not None and kept[1] is f.rule and kept[2] is f.name and kept[3] is f.severity
            and kept[4] is f.path and kept[5] is f.span and kept[6] is f.message and kept[7] == f.help
            and kept[8] is f.resource and kept[9] is f.field
        ):
            head = kept[0]
        else:
            head = head_of(f, f.help)
            if head is None:
                return dump(f.to_json())
        try:
            out = f'{head}, "fingerprint": {_escape(f.fingerprint)}, "url": {text[f.url]}'
        except TypeError:  # a value that is not a string
            return dump(f.to_json())
        if f.suppression is not None:
            return f'{out}, "suppressed": true, "suppression": {dump(f.suppression)}}}'
        return out + "}"

    return line


def _head_writer(dump):
    """(``head(finding, help)``, its string memo): the JSON text of a finding from its
    ``{`` to its ``"field"`` member, with ``help`` as its help -- the part of its line
    that nothing changes once the finding is made (the merge of a split run renumbers
    fingerprints, suppressions and ``add_docs`` come later) -- or None when the finding
    must be dumped whole."""
    from ..rule import Finding, field_path

    text = _Escaped()
    resources = _Resources(dump)
    fields = _Fields(text, field_path)
    numbers = _Numbers()
    plain = _PLAIN_TYPE  # a field of strings and ints only is looked up in ``fields``
    to_json = Finding.to_json

    def head(f, help) -> str | None:
        span = f.span
        ln, col, end_ln, end_col = span.line, span.column, span.end_line, span.end_column
        res = f.resource
        if type(f).to_json is not to_json or not (
            type(ln) is int is type(col) is int is type(end_ln) is int is type(end_col)
        ) or not (res is None or type(res) is dict):
            return None
        fld = f.field
        try:
            return (
                f'{{"rule": {text[f.rule]}, "name": {text[f.name]}, "severity": {text[f.severity]}, '
                f'"path": {text[f.path]}, "line": {numbers[ln]}, "column": {numbers[col]}, '
                f'"end_line": {numbers[end_ln]}, "end_column": {numbers[end_col]}, "message": {text[f.message]}, '
                f'"help": {text[help]}, "resource": {"null" if res is None else resources[tuple(res.items())]}, '
                f'"field": {fields[fld] if all(map(plain, map(type, fld))) else text[field_path(fld)]}'
            )
        except TypeError:  # a value that is not a string, or not hashable
            return None

    return head, text


def head_marker():
    """``mark(findings)``: gives each finding the head of its JSON line (``_head_writer``,
    with the help ``add_docs`` will give it), kept with the values it was made of.  Run
    on each part of a split check phase (lint/engine.py ``check_documents``, when the
    run writes a JSON report): the heads are made by the processes that check, side by
    side, and the report, which one process writes, only adds each finding's tail."""
    from . import message_parts

    head_of, _ = _head_writer(json.JSONEncoder(ensure_ascii=False).encode)

    def mark(findings) -> None:
        for f in findings:
            try:
                help = f.help or message_parts(f.message).rest  # what add_docs sets
                head = head_of(f, help)
                if head is not None:
                    f._json_head = (head, f.rule, f.name, f.severity, f.path, f.span, f.message, help, f.resource,
                                    f.field)
            except Exception:  # noqa: BLE001 - an odd finding (a custom policy's): the report makes its line
                continue

    return mark
