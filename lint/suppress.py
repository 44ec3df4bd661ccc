"""Suppressions, each with a reason.

* a comment ``# infergw-lint: disable=IGW101,IGW203 reason="..."`` at the end of a line
  (that line) or alone on a line (the next line);
* ``# infergw-lint: disable-file=IGW207 reason="..."`` anywhere in a file (the whole file);
* resource annotations ``infergw-lint.io/ignore: "IGW101,IGW203"`` with
  ``infergw-lint.io/ignore-reason: "..."`` and optionally
  ``infergw-lint.io/ignore-until: 2027-01-31`` (the whole resource, until that day).

Codes may be rule codes, rule names or ``all``.  A suppression without a reason or with
a bad date does not suppress (IGW002); one that suppresses nothing is reported (IGW003);
an expired one stops suppressing and says so (IGW004).
"""

from __future__ import annotations

import datetime as _dt

from .lazyre import lazy
from .record import Record
from .rule import Finding, fingerprint
from .source import Span

ANNOTATION = "infergw-lint.io/ignore"
ANNOTATION_REASON = "infergw-lint.io/ignore-reason"
ANNOTATION_UNTIL = "infergw-lint.io/ignore-until"
META_CODES = ("IGW002", "IGW003", "IGW004")

_COMMENT = lazy(
    r"(?:^|\s)#\s*infergw-lint:\s*(?P<kind>disable-file|disable)\s*=\s*(?P<codes>[A-Za-z0-9_\-]+(?:\s*,\s*[A-Za-z0-9_\-]+)*)"
    r"(?P<rest>.*)$"
)
_REASON_KEY = lazy(r"reason\s*=")
_LONE_CR = lazy(r"\r(?!\n)")  # a line break of its own, for YAML and for the source map


class Suppression(Record):
    _fields = (
        "path", "span", "codes", "reason", "scope", "first_line", "last_line", "until", "problem", "expired", "used",
        "matched", "identity",
    )

    def __init__(
        self, path: str, span: Span, codes: list, reason: str | None, scope: str, first_line: int = 0,
        last_line: int = 0, until: str | None = None, problem: str | None = None, expired: bool = False, used: int = 0,
        matched: int = 0, identity: str = "",
    ):
        self.path = path
        self.span = span  # where it is written
        self.codes = codes
        self.reason = reason
        self.scope = scope  # "line" | "file" | "resource"
        self.first_line = first_line  # lines it covers (line and resource scopes)
        self.last_line = last_line
        self.until = until
        self.problem = problem  # why it is invalid
        self.expired = expired
        self.used = used
        self.matched = matched
        self.identity = identity

    def covers(self, finding: Finding, rule_names: dict) -> bool:
        if finding.path != self.path:
            return False
        if self.scope != "file" and not (self.first_line <= finding.line <= self.last_line):
            return False
        name = rule_names.get(finding.rule, "")
        for code in self.codes:
            c = code.strip()
            if c.lower() == "all" or c.upper() == finding.rule or c == name:
                return True
        return False

    @property
    def honoured(self) -> bool:
        return bool(self.reason) and not self.problem and not self.expired


def _reason(rest: str) -> str | None:
    """The text after ``reason=``: quoted ("..." or '...', the quotes alone on the rest of
    the line) or bare.  Parsed by hand: the regex this replaces backtracked quadratically on
    a comment padded with blanks (seconds for 40k spaces)."""
    for m in _REASON_KEY.finditer(rest):
        value = rest[m.end():].strip()
        if not value:
            continue
        q = value[0]
        if q in "\"'" and len(value) >= 2 and value[-1] == q and q not in value[1:-1]:
            value = value[1:-1]
        return value.strip() or None
    return None


def from_comments(src) -> list[Suppression]:
    return [Suppression(*args) for args in _comments(src.path, src.text)]


def read_marks(src) -> None:
    """Read what ``apply`` needs of a file's text into ``src.marks``: its suppression
    comments (as the arguments of each Suppression: ``apply`` makes the objects, whose
    counts are of one run) and whether a resource annotation can be written in it (the
    annotation's name is in the text, or a backslash, which could spell it in an escape).
    Called as the file is loaded: in a split run the loading processes read their own
    files side by side, and the lead process, after the check, only collects."""
    text = src.text
    if "infergw-lint" not in text:  # most files: one search for what both ways of writing begin with
        src.marks = _ESCAPED if "\\" in text else _NOTHING
    else:
        src.marks = (tuple(_comments(src.path, text)), ANNOTATION in text or "\\" in text)


_NOTHING = ((), False)  # read_marks of a file without a suppression, or a way to write one
_ESCAPED = ((), True)  # of a file without one but with escapes: its documents are looked at


def _comments(path: str, text: str) -> list[tuple]:
    """The arguments of each Suppression written as a comment in ``text`` (``from_comments``)."""
    marker = "infergw-lint:"
    at = text.find(marker)
    if at == -1:
        return []
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        # a lone CR ends a line, as it does for the YAML parser and the source map that
        # number the findings: counted here as "\n" (same length: offsets and columns stay)
        text = _LONE_CR.sub("\n", text)
    out = []
    line = 1  # of the line that starts at ``counted`` (lines end at "\n")
    counted = 0
    target = None  # 0-based line a standalone comment applies to, found last
    total = None  # lines in the file (counted once, for disable-file)
    size = len(text)
    while at != -1:
        # only the lines that hold the marker are cut out of the text (not every line of
        # a large file: that list alone took ~3 bytes per byte of input)
        begin = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = size if end == -1 else end
        line += text.count("\n", counted, begin)
        counted = begin
        at = text.find(marker, end)
        raw = text[begin:end]
        m = _COMMENT.search(raw)
        if not m:
            continue
        col = raw.index("#", m.start()) + 1
        codes = [c.strip() for c in m.group("codes").split(",") if c.strip()]
        standalone = raw.lstrip().startswith("#")
        if m.group("kind") == "disable-file":
            if total is None:
                total = text.count("\n") + 1
            scope, first, last = "file", 1, total
        elif standalone:
            # the next line that is not blank and not a comment (found once for a run of
            # comment lines: a file of N suppression comments costs N, not N x N)
            if target is None or target <= line - 1:
                j, nxt = line, end + 1
                while nxt <= size:
                    stop = text.find("\n", nxt)
                    stop = size if stop == -1 else stop
                    following = text[nxt:stop]
                    if following.strip() and not following.lstrip().startswith("#"):
                        break
                    j += 1
                    nxt = stop + 1
                target = j
            scope, first, last = "line", target + 1, target + 1
        else:
            scope, first, last = "line", line, line
        end_col = len(raw.rstrip("\r")) + 1
        # (path, span, codes, reason, scope, first_line, last_line, until, problem, expired, used, matched,
        # identity)
        out.append((
            path, Span(line, col, line, max(end_col, col + 1)), codes, _reason(m.group("rest")), scope,
            first, last, None, None, False, 0, 0, f"comment:{m.group('kind')}:{','.join(codes)}:{first - line}",
        ))
    return out


def from_annotations(doc, today: _dt.date) -> list[Suppression]:
    ann = doc.annotations
    if ANNOTATION not in ann:
        return []
    raw = ann.get(ANNOTATION)
    codes = [c.strip() for c in str(raw or "").split(",") if c.strip()]
    reason = ann.get(ANNOTATION_REASON)
    reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
    src = doc.source
    span = doc.span(("metadata", "annotations", ANNOTATION), key=True)
    start = src.line_col(doc.start)[0]
    end = src.line_col(doc.end)[0]
    sup = Suppression(
        doc.path, span, codes, reason, "resource", start, end,
        identity=f"annotation:{doc.kind}/{doc.namespace}/{doc.name}",
    )
    if not codes:
        sup.problem = f"{ANNOTATION} names no rule"
    until = ann.get(ANNOTATION_UNTIL)
    if until is not None:
        sup.until = str(until)
        try:
            day = _dt.date.fromisoformat(str(until).strip()[:10])
        except ValueError:
            sup.problem = f"{ANNOTATION_UNTIL} {str(until)!r} is not a date (YYYY-MM-DD)"
        else:
            sup.expired = day < today
    return [sup]


def _meta(rules_by_code: dict, code: str, sup: Suppression, message: str, severity_override: dict) -> Finding | None:
    rule = rules_by_code.get(code)
    if rule is None:
        return None
    return Finding(
        rule=code, name=rule.name, severity=severity_override.get(code, rule.severity), message=message,
        path=sup.path, span=sup.span, resource=None, field=(),
        fingerprint=fingerprint(code, f"file:{sup.path}", (sup.identity,)),
    )


class _Lookup:
    """The suppressions of each file by the lines they cover, so that a finding is
    compared with those on its own line (and the file-wide ones), not with every
    suppression of its file.  ``near`` keeps the order of ``sups``."""

    WIDE = 10_000  # a range longer than this many lines is checked by comparison instead

    def __init__(self, sups: list):
        self.sups = sups
        self.paths = {s.path for s in sups}  # the files with a suppression
        self.by_line: dict = {}  # (path, line) -> [position in sups]
        self.wide: dict = {}  # path -> [position]: file scopes and very long ranges
        # (path, "all") / (path, "code", CODE) / (path, "name", name) -> [position] of the wide
        # ones that name it: a file of many disable-file comments for other rules is not
        # compared with each finding
        self.wide_by_code: dict = {}
        for i, s in enumerate(sups):
            if s.scope == "file" or s.last_line - s.first_line >= self.WIDE:
                self.wide.setdefault(s.path, []).append(i)
                keys = set()
                for code in s.codes:
                    c = code.strip()
                    keys.update([(s.path, "all")] if c.lower() == "all" else [(s.path, "code", c.upper()), (s.path, "name", c)])
                for key in keys:
                    self.wide_by_code.setdefault(key, []).append(i)
                continue
            for line in range(s.first_line, s.last_line + 1):
                self.by_line.setdefault((s.path, line), []).append(i)

    def near(self, path: str, line: int, rule: str | None = None, name: str = "") -> list:
        """The suppressions that may cover a finding at ``line`` of ``path`` (of rule
        ``rule`` named ``name``, when given), in the order of ``sups``."""
        found = self.by_line.get((path, line), [])
        if rule is None:
            wide = self.wide.get(path)
        else:
            by_code = self.wide_by_code
            wide = by_code.get((path, "all"), []) + by_code.get((path, "code", rule), []) + (
                by_code.get((path, "name", name), []) if name else []
            )
        if wide:
            found = sorted(set(found + wide))
        sups = self.sups
        return [sups[i] for i in found]


def annotation_suppressions(documents, today: _dt.date) -> list[Suppression]:
    """The suppressions written as resource annotations in ``documents`` (not --context
    only), in document order.  Placing one reads the document's tree: the check phase
    calls this on each part's documents while their trees are at hand (lint/engine.py
    check_documents), side by side in a split run, and hands the result to ``apply``."""
    sups: list[Suppression] = []
    for doc in documents:
        marks = doc.source.marks
        if marks is not None and not marks[1]:  # no annotation can be written in its file: most
            continue
        if doc.flavor == "k8s" and not doc.source.context_only:
            # doc.annotations, read here: a property call for each of 10,000 documents
            data = doc.data
            meta = data.get("metadata") if isinstance(data, dict) else None
            ann = meta.get("annotations") if isinstance(meta, dict) else None
            if isinstance(ann, dict) and ANNOTATION in ann:
                sups += from_annotations(doc, today)
    return sups


def apply(findings: list, sources: list, documents: list, rules_by_code: dict, active_codes: set,
          severity_override: dict | None = None, today: _dt.date | None = None,
          annotations: list | None = None) -> list[Finding]:
    """Mark suppressed findings in place; return the findings about suppressions.
    ``annotations``: ``annotation_suppressions(documents, today)``, when already made."""
    today = today or _dt.date.today()
    severity_override = severity_override or {}
    sups: list[Suppression] = []
    for src in sources:
        if not src.context_only:
            marks = src.marks
            if marks is None:  # not read while loading (rendered output, a file parsed alone)
                sups += from_comments(src)
            elif marks[0]:
                sups += [Suppression(*args) for args in marks[0]]
    sups += annotation_suppressions(documents, today) if annotations is None else annotations
    if not sups:
        return []
    names = {code: r.name for code, r in rules_by_code.items()}
    lookup = _Lookup(sups)
    written = lookup.paths
    for f in findings:
        # most findings are in files without a suppression: not looked up
        if f.path not in written or f.rule in META_CODES or f.suppression is not None:
            continue
        for s in lookup.near(f.path, f.line, f.rule, names.get(f.rule, "")):
            if s.covers(f, names):
                s.matched += 1
                if s.honoured:
                    s.used += 1
                    f.suppression = {
                        "kind": "inSource",
                        "justification": s.reason,
                        "location": f"{s.path}:{s.span.line}",
                    }
                    break
    out = []
    for s in sups:
        label = "comment" if s.scope != "resource" else f"annotation {ANNOTATION}"
        if s.problem:
            out.append(_meta(rules_by_code, "IGW002", s, f"suppression {label} is invalid: {s.problem}; it suppresses nothing", severity_override))
        elif not s.reason:
            hint = 'reason="..."' if s.scope != "resource" else f"{ANNOTATION_REASON}: \"...\""
            out.append(_meta(
                rules_by_code, "IGW002", s,
                f"suppression {label} of {', '.join(s.codes)} has no reason, so it suppresses nothing; add {hint}",
                severity_override,
            ))
        elif s.expired:
            out.append(_meta(
                rules_by_code, "IGW004", s,
                f"suppression of {', '.join(s.codes)} expired on {s.until}; "
                f"{s.matched} finding(s) it covered are reported again",
                severity_override,
            ))
        elif s.matched == 0:
            # only when every rule it names ran: otherwise we cannot know
            named_ran = all(
                c.lower() == "all" or c.upper() in active_codes or any(names.get(a) == c for a in active_codes)
                for c in s.codes
            )
            if named_ran:
                out.append(_meta(
                    rules_by_code, "IGW003", s,
                    f"suppression of {', '.join(s.codes)} matches no finding; remove it",
                    severity_override,
                ))
    return [f for f in out if f is not None and f.rule in active_codes]
