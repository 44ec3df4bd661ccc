"""``--format gitlab``: a GitLab Code Quality report (``artifacts: reports: codequality``).

A JSON array with one issue per finding, in the subset of the Code Climate format that
GitLab reads: ``description``, ``check_name`` (the rule code), ``fingerprint``,
``severity`` (``info``/``minor``/``major``/``critical``/``blocker``),
``location.path`` (relative to the repository root) and ``location.lines.begin``; also
``type``, ``categories``, ``engine_name``, ``location.lines.end`` and ``content.body``
(the whole message when the description holds its short first line, help, documentation
link), which GitLab ignores or shows where it can.

Severity: an ``error`` finding is ``major``, or ``critical`` when its rule is a security
rule (tagged ``security``, ``exposure`` or ``secrets``: a public load balancer in prod, a
credential in a ConfigMap); ``warning`` is ``minor``; ``info`` is ``info``.

Paths are made relative to ``$CI_PROJECT_DIR`` when the file lies inside it, else to the
current directory, since GitLab matches them against the repository's files. GitLab keeps
only the first issue of a fingerprint, so the fingerprint (a digest of the finding's
line-independent fingerprint and its path) is made unique within a report. Suppressed
findings are left out: Code Quality has no notion of a dismissed issue.
"""

from __future__ import annotations

import hashlib
import json
import os

from . import remedy_lines, short_message

ENGINE = "infergw-lint"
SEVERITY = {"error": "major", "warning": "minor", "info": "info"}
SECURITY = {"security", "exposure", "secrets"}


def _relative(path: str, root: str) -> str:
    if path == "-":
        return "stdin"
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, root)
    except ValueError:  # another drive on Windows
        return path.replace(os.sep, "/")
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return path.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def _security_rules(result) -> set:
    out = set()
    for rule in result.rules:
        tags = {str(t) for t in getattr(rule, "tags", ()) or ()}
        if tags & SECURITY:
            out.add(rule.code)
    return out


def to_gitlab(result, root: str | None = None) -> list:
    if root is None:
        root = os.environ.get("CI_PROJECT_DIR") or os.getcwd()
    root = os.path.abspath(root)
    security = _security_rules(result)
    seen: set = set()
    issues = []
    paths: dict = {}  # a file's findings share its relative path
    for f in result.findings:
        if f.suppression is not None:
            continue
        path = paths.get(f.path)
        if path is None:
            path = paths[f.path] = _relative(f.path, root)
        base = f"{f.fingerprint or f.rule}|{path}"
        digest = hashlib.md5(base.encode("utf-8", "surrogatepass")).hexdigest()  # noqa: S324 - an identifier, not a secret
        n = 1
        while digest in seen:  # the same finding twice in one file (should not happen): keep both
            n += 1
            digest = hashlib.md5(f"{base}|{n}".encode("utf-8", "surrogatepass")).hexdigest()  # noqa: S324
        seen.add(digest)
        severity = SEVERITY.get(f.severity, "minor")
        if severity == "major" and f.rule in security:
            severity = "critical"
        short = short_message(f)
        body = ([f.message] if short != f.message else []) + remedy_lines(f)
        issue = {
            "type": "issue",
            "engine_name": ENGINE,
            "check_name": f.rule,
            "description": f"{f.rule} {f.name}: {short}",
            "categories": ["Security"] if f.rule in security else ["Bug Risk"],
            "severity": severity,
            "fingerprint": digest,
            "location": {
                "path": path,
                "lines": {"begin": f.span.line, "end": max(f.span.end_line, f.span.line)},
            },
        }
        if body:
            issue["content"] = {"body": "\n\n".join(body)}
        issues.append(issue)
    return issues


def render_gitlab(result, root: str | None = None) -> str:
    issues = to_gitlab(result, root)
    if not issues:
        return "[]\n"
    encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(i, ensure_ascii=False), one encoder
    return "[\n  " + ",\n  ".join(encode(i) for i in issues) + "\n]\n"
