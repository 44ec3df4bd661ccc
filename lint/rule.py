"""The rule API.

A rule is a module in ``rules/`` whose docstring is its documentation, in Markdown: a
one-line title, then the sections ``## What it does``, ``## Why``, ``## Example`` and
``## Fix`` (code in fenced blocks with a language, names in `backticks`), the Fix section
ending with an ``Autofix: yes|no`` paragraph. The module defines ``RULE``, an instance of a
``Rule`` subclass::

    class MissingFsGroup(Rule):
        code = "IGW203"
        name = "bifrost-missing-fsgroup"
        severity = "error"
        kinds = ("Deployment", "StatefulSet")

        def check(self, doc, ctx):
            if ...:
                yield report(("spec", "template", "spec"), "pod has no securityContext.fsGroup")

    RULE = MissingFsGroup()

``check`` runs once per document the rule applies to and yields ``Report``s that name a
path inside that document; the engine turns them into located ``Finding``s.

A rule that can repair what it reports also defines ``fix`` (``--fix`` / ``--diff``, and
the same edit offered by an editor); ``fixable`` is true exactly when it does::

        fix_order = 1  # value fixes (0) run before fixes that change a document's shape
        fix_title = "Set the pod's securityContext.fsGroup"

        def fix(self, edit, finding, ctx):
            from infergw_lint.yamledit import insert_key, new_map_like
            spec = edit.get(("spec", "template", "spec"))
            ...
            return "added securityContext.fsGroup: 1000 to the pod spec"

``fix`` gets the finding's document open for editing (``edit``, a ``lint.fix.DocEdit``:
``edit.root`` is ruamel's round-trip view of a YAML document, or plain data for JSON;
``edit.get(path)`` / ``edit.resolve(path)`` walk ``finding.field``, also into JSON held in
a string), the ``Finding`` and a ``lint.fix.FixContext`` (``ctx.index``: the linted set;
``option(ctx, self, key, default)`` reads rule options as in ``check``). It changes the
document in place and returns a short description of what it changed, or raises
``Refused(reason)`` when the fix is not safe here (the finding then stays, and the reason
is shown). It never writes a file: the engine turns the edited documents into the file's
new text. Import the editing helpers (``lint/yamledit.py``, ``lint/jsonedit.py``) inside
``fix`` so that a plain lint run never loads them.
"""

from __future__ import annotations

import re
import sys
from collections import namedtuple
from collections.abc import Iterable

from .record import Record, reduce_record
from .source import Span

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on every run
if TYPE_CHECKING:
    from typing import Any

try:  # the interpreter's own SHA-256: importing hashlib loads OpenSSL (~2 ms of a small run)
    from _sha256 import sha256  # Python 3.11
except ImportError:  # pragma: no cover - other versions
    try:
        from _sha2 import sha256  # Python 3.12+
    except ImportError:
        from hashlib import sha256

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}
DOC_SECTIONS = ("What it does", "Why", "Example", "Fix")


class Refused(Exception):
    """Raised by a rule's ``fix``: the fix is not safe here; the message says why."""


class Partly(namedtuple("Partly", "done refused")):
    """What a rule's ``fix`` returns when it did part of its work and refused the rest:
    ``done`` is reported as fixed, ``refused`` (why the rest was left) as not fixed, and the
    finding may still be reported afterwards."""

    __slots__ = ()


FIX_APPLICABILITY = ("safe", "unsafe", "display-only")


class Report(Record):
    """What a rule yields: a path in the document, a message, optional overrides."""

    _fields = ("path", "message", "key", "severity", "help", "within")

    def __init__(
        self, path: tuple, message: str, key: bool = False, severity: str | None = None, help: str | None = None,
        within: tuple | None = None,
    ):
        self.path = path
        self.message = message
        self.key = key
        self.severity = severity
        self.help = help  # the remedy in one line, with exact values; else derived from message
        self.within = within  # (line, start, end) inside a multi-line string value: a narrower span


def report(
    path, message: str, *, key: bool = False, severity: str | None = None, help: str | None = None,
    within: tuple | None = None,
) -> Report:
    """``message``: what is wrong in a first clause of at most 100 characters that ends at
    ``: `` or ``; `` (naming the object only when it fits: ``brief``), then why, and may end
    with the remedy; ``help``: the remedy in one line with exact values.  A message that
    ends with its help keeps it for the formats that show only the message (GitHub
    annotations, SARIF); the text output then shows it once, as the help."""
    return Report(tuple(path), message, key, severity, help, within)


SHORT_LIMIT = 100  # characters of a finding's first line (fits a 120-column terminal)
_STRONG = ("; ", ": ", ". ", " -- ")  # clause and sentence ends
_WEAK = (", which ", ", but ", ", so ", ", and ", ", while ", ", where ", " although ", " because ")
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_STRONG_SET = frozenset(_STRONG)


def brief(named: str, plain: str, limit: int = SHORT_LIMIT) -> str:
    """A finding's first clause: ``named`` (it names the object, e.g. ``Gateway ns/name``)
    when it fits the short line, else ``plain``, which does not; a message that starts with
    ``plain`` names the object after it (object names may be 253 characters long)."""
    return named if len(named) <= limit else plain


# short: the first line (<= SHORT_LIMIT characters); rest: the explanation and remedy that
# follow ("" when the message is short); continued: the short line stops mid-sentence (shown
# with an ellipsis)
class MessageParts(namedtuple("MessageParts", "short rest continued")):
    __slots__ = ()


# every place the scan below must look at: a quote, a bracket, or a clause boundary (a
# zero-width lookahead, so that boundaries that overlap are all seen, in the order the
# character loop this replaces tried them: strong ends first, then connectives)
_TOKENS = re.compile(
    "(?=(["
    + re.escape("\"`'" + "".join(_PAIRS) + "".join(_PAIRS.values()))
    + "]|"
    + "|".join(re.escape(s) for s in _STRONG + _WEAK)
    + "))"
)


def _boundaries(message: str, min_words: int, stop_at_strong: bool = False) -> list:
    """(start, end, strong) of every clause boundary outside brackets and quotes, preceded by
    at least ``min_words`` words (``HTTPRoute ns/name: ...`` names a subject, not a clause);
    with ``stop_at_strong``, none after the first strong one (a long message is then not
    scanned to its end)."""
    out, stack, quote = [], [], None
    for m in _TOKENS.finditer(message):
        i = m.start()
        tok = m.group(1)
        c = tok[0]
        if quote:
            if c == quote:
                quote = None
        elif c in "\"`" or (c == "'" and (i == 0 or not message[i - 1].isalnum())):
            quote = c
        elif c in _PAIRS:
            stack.append(_PAIRS[c])
        elif stack and c == stack[-1]:
            stack.pop()
        elif not stack and len(tok) > 1:
            if tok in _STRONG_SET:
                out.append((i, i + len(tok), True))
                if stop_at_strong and len(message[:i].split()) >= min_words:
                    break  # the caller reads nothing past the first clause end
                continue
            # a connective: the word starts the rest
            out.append((i, i + (2 if tok[0] == "," else 1), False))
    return [b for b in out if len(message[: b[0]].split()) >= min_words]


def split_message(message: str, limit: int = SHORT_LIMIT) -> MessageParts:
    """Split a finding's message into a short first line and the rest, the same way for
    every rule (so no rule has to change, custom policies included):

    1. the first clause or sentence end (``;``, ``:``, ``. ``, `` -- ``) outside brackets and
       quotes, after at least four words, ends the short line when it comes within ``limit``
       characters;
    2. else a message of at most ``limit`` characters is its own short line;
    3. else the last connective (``, which``, ``, but``, ``, so``, ``although``, ...) before
       that first clause end and within ``limit`` ends it, marked as continued;
    4. else the last space within ``limit`` does (continued).
    """
    message = message.strip()
    bounds = _boundaries(message, 4, stop_at_strong=True)
    strong = [b for b in bounds if b[2]]
    if strong and strong[0][0] <= limit:
        start, end, _ = strong[0]
        return MessageParts(message[:start].rstrip(" ,"), message[end:].strip(), False)
    if len(message) <= limit:
        return MessageParts(message, "", False)
    stop = strong[0][0] if strong else len(message)
    weak = [b for b in bounds if not b[2] and b[0] <= limit - 2 and b[0] < stop]
    if weak:
        start, end, _ = weak[-1]
        return MessageParts(message[:start].rstrip(" ,"), message[end:].strip(), True)
    cut = message.rfind(" ", 0, limit - 1)
    if cut <= 0:  # one long word (a URL): cut it
        cut = limit - 2
        return MessageParts(message[:cut], message[cut:], True)
    return MessageParts(message[:cut].rstrip(" ,"), message[cut + 1 :].strip(), True)


class Finding(Record):
    _fields = (
        "rule", "name", "severity", "message", "path", "span", "resource", "field", "fingerprint", "suppression",
        "rendered", "url", "help",
    )

    def __init__(
        self, rule: str, name: str, severity: str, message: str, path: str, span: Span, resource: dict | None = None,
        field: tuple = (), fingerprint: str = "", suppression: dict | None = None, rendered: bool = False,
        url: str | None = None, help: str = "",
    ):
        self.rule = rule
        self.name = name
        self.severity = severity
        self.message = message
        self.path = path
        self.span = span
        self.resource = resource
        self.field = field
        self.fingerprint = fingerprint
        self.suppression = suppression  # {"kind": "inSource"|"external", "justification": ...}
        self.rendered = rendered  # found in kustomize/helm output (the path names the source file)
        self.url = url  # the rule's documentation page (lint/docs.py)
        self.help = help  # the remedy: the rule's, else the message's rest (split_message)

    def __reduce__(self):
        # pickled for another process (lint/parallel.py) as a call with its values: the
        # checking processes send back thousands (lint/record.py says why)
        if self.__class__ is Finding:
            names = tuple(self.__dict__)
            if names == _FINDING:
                return Finding, tuple(self.__dict__.values())
            if names == _FINDING_HEAD:  # with its JSON head (reporters/json.py head_marker)
                values = tuple(self.__dict__.values())
                return _finding_with_head, (values[:-1], values[-1])
        return reduce_record(self)

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def sort_key(self):
        return (self.path, self.span.line, self.span.column, self.rule, self.message)

    def to_json(self) -> dict:
        out = {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "message": self.message,
            "help": self.help,
            "resource": self.resource,
            "field": field_path(self.field),
            "fingerprint": self.fingerprint,
            "url": self.url,
        }
        if self.suppression is not None:
            out["suppressed"] = True
            out["suppression"] = self.suppression
        return out


_FINDING = Finding._fields  # Finding.__init__'s arguments, in the order it sets them
_FINDING_HEAD = (*_FINDING, "_json_head")


def _finding_with_head(values: tuple, head) -> Finding:
    """A finding with a JSON head pickled by ``Finding.__reduce__``."""
    f = Finding(*values)
    f._json_head = head
    return f


_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def field_path(path: tuple) -> str:
    """``("spec", "rules", 0, "backendRefs", 1)`` -> ``spec.rules[0].backendRefs[1]``."""
    out = []
    for seg in path:
        if type(seg) is str:
            piece = _SEGMENTS.get(seg)
            if piece is None:
                piece = "." + seg if _PLAIN_KEY.fullmatch(seg) else f"[{seg!r}]"
                if len(seg) <= 64 and len(_SEGMENTS) < _SEGMENTS_MAX:
                    _SEGMENTS[seg] = piece
            out.append(piece)
        elif isinstance(seg, int):
            out.append(f"[{seg}]")
        else:
            s = str(seg)
            out.append("." + s if _PLAIN_KEY.fullmatch(s) else f"[{s!r}]")
    text = "".join(out)
    return text[1:] if text[:1] == "." else text  # the first key has no dot before it


# how each short key is written in a field path (keys repeat: spec, rules, backendRefs)
_SEGMENTS: dict = {}
_SEGMENTS_MAX = 20_000


def fingerprint(rule: str, identity: str, path: tuple, occurrence: int = 0) -> str:
    raw = f"{rule}|{identity}|{field_path(path)}|{occurrence}"
    return sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]  # a non-UTF-8 file name too


class RuleDocs(Record):
    """A rule's documentation: its title and its Markdown sections, in order."""

    _fields = ("title", "sections")

    def __init__(self, title: str, sections: dict | None = None):
        self.title = title
        self.sections = {} if sections is None else sections

    def markdown(self) -> str:
        """The docs as one Markdown text: the title in bold, then ``## Section`` and its body."""
        parts = [f"**{self.title}**", ""]
        for name, body in self.sections.items():
            parts += [f"## {name}", "", body, ""]
        return "\n".join(parts).rstrip() + "\n"

    def text(self) -> str:
        """Plain text for where Markdown is not rendered (SARIF ``help.text``): headings as
        lines of their own, code blocks indented instead of fenced."""
        parts = [self.title, ""]
        for name, body in self.sections.items():
            parts += [name, "-" * len(name), _plain_body(body), ""]
        return "\n".join(parts).rstrip() + "\n"


_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)\s*$")


def _plain_body(body: str) -> str:
    out, fence = [], None
    for line in body.splitlines():
        m = _FENCE.match(line.strip()) if not line.startswith("    ") else None
        if fence is None and m:
            fence = m.group(1)
            continue
        if fence is not None:
            if line.strip() == fence:
                fence = None
                continue
            out.append("    " + line if line.strip() else "")
            continue
        out.append(line)
    return "\n".join(out)


def code_blocks(body: str) -> list[tuple[str, str]]:
    """``(language, code)`` of every fenced block in a Markdown section."""
    blocks, fence, lang, buf = [], None, "", []
    for line in body.splitlines():
        m = _FENCE.match(line.strip())
        if fence is None and m:
            fence, lang, buf = m.group(1), m.group(2), []
        elif fence is not None and line.strip() == fence:
            blocks.append((lang, "\n".join(buf)))
            fence = None
        elif fence is not None:
            buf.append(line)
    return blocks


def parse_docs(doc: str | None) -> RuleDocs:
    """Split a Markdown rule docstring into its title and ``## `` sections (a ``## `` line
    inside a fenced code block is code, not a heading).

    A docstring in the older layout (headings underlined with dashes, indented code) is
    read too, so a custom Python policy written for it keeps its docs."""
    import textwrap

    if not doc:
        return RuleDocs("")
    lines = doc.strip("\n").splitlines()
    title = lines[0].strip().lstrip("#").strip()
    body = textwrap.dedent("\n".join(lines[1:]))
    if not re.search(r"^## \S", body, re.M) and re.search(r"^\S.*\n-{3,}\s*$", body, re.M):
        body = _legacy_to_markdown(body)
    sections: dict[str, str] = {}
    current = None
    buf: list[str] = []
    fence = None
    for line in body.splitlines():
        m = _FENCE.match(line.strip())
        if fence is None and m:
            fence = m.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None and line.startswith("## "):
            if current is not None:
                sections[current] = "\n".join(buf).strip("\n")
            current, buf = line[3:].strip(), []
            continue
        if current is not None:
            buf.append(line)
    if current is not None:
        sections[current] = "\n".join(buf).strip("\n")
    return RuleDocs(title, sections)


def _legacy_to_markdown(body: str) -> str:
    """Dash-underlined headings -> ``## ``; indented blocks -> fenced; double backticks -> single."""
    out: list[str] = []
    lines = body.splitlines()
    i, block = 0, []

    def flush():
        while block and not block[-1].strip():
            block.pop()
        first = next((ln.strip() for ln in block if ln.strip()), "")
        out.extend(["```" + ("json" if first[:1] in "{[\"" else "yaml"), *(ln[4:] for ln in block), "```", ""])
        block.clear()

    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if block and not (line.startswith("    ") or not line.strip()):
            flush()
        if block or (line.startswith("    ") and (not out or not out[-1].strip() or out[-1].startswith("## "))):
            block.append(line)
        elif line.strip() and not line.startswith(" ") and re.fullmatch(r"-{3,}", nxt.strip()):
            out += ["## " + line.strip(), ""]
            i += 1
        else:
            out.append(re.sub(r"``(.+?)``", r"`\1`", line))
        i += 1
    if block:
        flush()
    return "\n".join(out)


class Rule:
    code: str = ""
    name: str = ""
    severity: str = "error"
    kinds: tuple = ()  # resource kinds; empty = any
    groups: tuple = ()  # API groups of those kinds; empty = any
    flavors: tuple = ("k8s",)  # document flavors the rule reads
    # of the k8s documents, the kinds the rule reads (empty = those of ``kinds``): a rule
    # that reads Bifrost configs reads bifrost-flavor files and, among k8s documents, only
    # ConfigMaps (``domain.bifrost_configs``); other flavors are not limited by it
    k8s_kinds: tuple = ()
    # the rule's own ``applies`` reads nothing but the document's flavor, group and kind:
    # the engine may then ask it once per such shape (``engine.applicable``)
    applies_by_shape: bool = False
    # a function of the document (cached by it) that is empty when the rule can find
    # nothing there, e.g. ``domain.bifrost_configs`` for a rule that reads only Bifrost
    # configs: where the engine knows the rule applies by shape, it asks this once per
    # document for all the rules that name it and leaves the rule out where it is empty
    # (most ConfigMaps hold no Bifrost config, most workloads run no Bifrost container).
    # Set it with ``staticmethod``; the rule must still say nothing on such a document.
    requires = None
    tags: tuple = ()
    security_severity: str = "5.0"  # SARIF security-severity for GitHub
    # the autofix, when the rule defines ``fix`` (see the module docstring)
    fix_order: int = 0  # fixes run by (fix_order, line, column, code) within a file
    fix_title: str = ""  # what the fix does, one imperative line ("Key providers by name")
    fix_applicability: str = "safe"  # safe | unsafe | display-only (FIX_APPLICABILITY)
    # CRD validation messages (substrings) this rule reports in its own words: the CRD
    # validator's finding (IGW501-IGW503) with such a message on the same node, or on a
    # node that holds this rule's finding, is dropped (one defect, one finding)
    covers: tuple = ()

    def applies(self, doc) -> bool:
        if doc.flavor not in self.flavors:
            return False
        if self.k8s_kinds and doc.flavor == "k8s" and doc.kind not in self.k8s_kinds:
            return False
        if self.groups and doc.group not in self.groups:
            return False
        return not self.kinds or doc.kind in self.kinds

    def check(self, doc, ctx) -> Iterable[Report]:  # pragma: no cover - abstract
        raise NotImplementedError

    def fix(self, edit, finding, ctx) -> str:  # pragma: no cover - optional hook
        """Repair ``finding`` in ``edit`` (its document, open for editing); return what changed
        or raise ``Refused(reason)``. Defined by fixable rules only (see the module docstring)."""
        raise NotImplementedError

    def fix_available(self, finding, ctx) -> bool:
        """Would ``fix`` do something for this finding? Asked (cheaply: no fix machinery is
        loaded) for the `[*]` mark of the text output; ``ctx`` has ``index`` and ``options``.
        By default a fixable rule can fix each of its findings."""
        return self.fixable

    @property
    def fixable(self) -> bool:
        """The rule defines ``fix``."""
        return getattr(type(self), "fix", None) is not Rule.fix

    @property
    def docs(self) -> RuleDocs:
        module = sys.modules.get(type(self).__module__)
        return parse_docs(getattr(module, "__doc__", None))

    @property
    def short_description(self) -> str:
        return self.docs.title

    def __repr__(self) -> str:
        return f"<Rule {self.code} {self.name}>"


class EngineRule(Rule):
    """A rule whose findings the engine makes (the loader: parse errors, duplicate keys;
    the suppression pass): it has docs, a code and a severity, but checks no document."""

    flavors: tuple = ()

    def check(self, doc, ctx):
        return ()


def option(ctx: Any, rule: Rule, key: str, default):
    """A rule option from the configuration, or the default."""
    opts = getattr(ctx, "rule_options", {}) or {}
    return (opts.get(rule.code) or opts.get(rule.name) or {}).get(key, default)


def close_matches(word: str, possibilities, n: int = 1, cutoff: float = 0.6) -> list:
    """``difflib.get_close_matches``, for a finding's "did you mean": difflib (and heapq) are
    imported by the first finding that suggests a name, not by every run."""
    import difflib

    return difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)
