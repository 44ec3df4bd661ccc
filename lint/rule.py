"""The rule API.

A rule is a module in ``rules/`` whose docstring is its documentation (a one-line
title, then the sections What it does / Why / Example / Fix, each a heading underlined
with dashes) and which defines ``RULE``, an instance of a ``Rule`` subclass::

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
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable

from .source import Span

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}
DOC_SECTIONS = ("What it does", "Why", "Example", "Fix")


@dataclass
class Report:
    """What a rule yields: a path in the document, a message, optional overrides."""

    path: tuple
    message: str
    key: bool = False
    severity: str | None = None


def report(path, message: str, *, key: bool = False, severity: str | None = None) -> Report:
    return Report(tuple(path), message, key, severity)


@dataclass
class Finding:
    rule: str
    name: str
    severity: str
    message: str
    path: str
    span: Span
    resource: dict | None = None
    field: tuple = ()
    fingerprint: str = ""
    suppression: dict | None = None  # {"kind": "inSource"|"external", "justification": ...}
    rendered: bool = False  # found in kustomize/helm output (the path names the source file)

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
            "resource": self.resource,
            "field": field_path(self.field),
            "fingerprint": self.fingerprint,
        }
        if self.suppression is not None:
            out["suppressed"] = True
            out["suppression"] = self.suppression
        return out


_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def field_path(path: tuple) -> str:
    """``("spec", "rules", 0, "backendRefs", 1)`` -> ``spec.rules[0].backendRefs[1]``."""
    out = []
    for seg in path:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        else:
            s = str(seg)
            if _PLAIN_KEY.fullmatch(s):
                out.append(("." if out else "") + s)
            else:
                out.append(f"[{s!r}]")
    return "".join(out)


def fingerprint(rule: str, identity: str, path: tuple, occurrence: int = 0) -> str:
    raw = f"{rule}|{identity}|{field_path(path)}|{occurrence}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


@dataclass
class RuleDocs:
    title: str
    sections: dict = field(default_factory=dict)

    def text(self) -> str:
        parts = [self.title, ""]
        for name, body in self.sections.items():
            parts += [name, "-" * len(name), body, ""]
        return "\n".join(parts).rstrip() + "\n"

    def markdown(self) -> str:
        parts = [f"**{self.title}**", ""]
        for name, body in self.sections.items():
            parts += [f"## {name}", "", _md_body(body), ""]
        return "\n".join(parts).rstrip() + "\n"


def _md_body(body: str) -> str:
    """Indented blocks in a docstring section become fenced code blocks."""
    out, block = [], []
    for line in body.splitlines():
        if line.startswith("    ") or (block and not line.strip()):
            block.append(line[4:])
            continue
        if block:
            while block and not block[-1].strip():
                block.pop()
            out += ["```yaml", *block, "```"]
            block = []
        out.append(line)
    if block:
        while block and not block[-1].strip():
            block.pop()
        out += ["```yaml", *block, "```"]
    return "\n".join(out)


def parse_docs(doc: str | None) -> RuleDocs:
    """Split a rule docstring into its title and sections."""
    import textwrap

    if not doc:
        return RuleDocs("")
    lines = doc.strip("\n").splitlines()
    title = lines[0].strip()
    body = textwrap.dedent("\n".join(lines[1:]))
    sections: dict[str, str] = {}
    current = None
    buf: list[str] = []
    blines = body.splitlines()
    i = 0
    while i < len(blines):
        line = blines[i]
        nxt = blines[i + 1] if i + 1 < len(blines) else ""
        if line.strip() and re.fullmatch(r"-{3,}", nxt.strip()) and not line.startswith(" "):
            if current is not None:
                sections[current] = "\n".join(buf).strip("\n")
            current, buf = line.strip(), []
            i += 2
            continue
        if current is not None:
            buf.append(line)
        i += 1
    if current is not None:
        sections[current] = "\n".join(buf).strip("\n")
    return RuleDocs(title, sections)


class Rule:
    code: str = ""
    name: str = ""
    severity: str = "error"
    kinds: tuple = ()  # resource kinds; empty = any
    groups: tuple = ()  # API groups of those kinds; empty = any
    flavors: tuple = ("k8s",)  # document flavors the rule reads
    tags: tuple = ()
    security_severity: str = "5.0"  # SARIF security-severity for GitHub
    fixable: bool = False

    def applies(self, doc) -> bool:
        if doc.flavor not in self.flavors:
            return False
        if self.groups and doc.group not in self.groups:
            return False
        return not self.kinds or doc.kind in self.kinds

    def check(self, doc, ctx) -> Iterable[Report]:  # pragma: no cover - abstract
        raise NotImplementedError

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
