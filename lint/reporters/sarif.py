"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` holds one descriptor per rule that ran (its docs come from
the rule's docstring); each finding becomes one result with an exact region (columns in
Unicode code points, ``endColumn`` just past the region, as in SARIF), a file URI relative
to ``%SRCROOT%`` (the current directory unless ``root`` is given) and a
``partialFingerprints`` entry that does not depend on line numbers.
"""

from __future__ import annotations

import os
import pathlib
import re
from urllib.parse import quote

from .. import __version__
from . import indented

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
from ..docs import PROJECT_URL, rule_url

FINGERPRINT_KEY = "infergwLint/v1"
SRCROOT = "SRCROOT"

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SUPPRESSION_KINDS = ("inSource", "external")
SUPPRESSION_STATUS = ("accepted", "underReview", "rejected")
# rule tags that make GitHub treat a rule as a security rule (and show its security-severity)
SECURITY_TAGS = {"security", "exposure", "secrets", "rbac", "network-policy"}


def help_uri(rule) -> str | None:
    """Where a rule is documented: its own ``help_uri``, else its page in docs/rules for a
    built-in rule; none for other rules."""
    return rule_url(rule)


def _level(severity) -> str:
    return LEVELS.get(severity, "warning")


def rule_descriptor(rule) -> dict:
    """A SARIF reportingDescriptor built from a rule and its docstring."""
    docs = rule.docs
    title = docs.title or rule.name or rule.code
    what = docs.sections.get("What it does", "")
    full = " ".join(line.strip() for line in what.splitlines() if line.strip()) or title
    tags = [str(t) for t in getattr(rule, "tags", ()) or ()]
    if SECURITY_TAGS.intersection(tags) and "security" not in tags:
        tags.append("security")
    props: dict = {"tags": tags, "precision": getattr(rule, "precision", "very-high")}
    sev = _security_severity(getattr(rule, "security_severity", None))
    if sev is not None:
        props["security-severity"] = sev
    out = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {"text": docs.text() if docs.title else title, "markdown": docs.markdown() if docs.title else title},
        "defaultConfiguration": {"level": _level(rule.severity)},
        "properties": props,
    }
    uri = help_uri(rule)
    if uri:
        out["helpUri"] = uri
    return out


def _security_severity(value) -> str | None:
    """GitHub wants a number between 0.0 and 10.0, written as a string."""
    try:
        num = float(value)
    except (TypeError, ValueError):
        return None
    if not 0.0 <= num <= 10.0:
        return None
    return f"{num:.1f}"


def _fallback_descriptor(finding) -> dict:
    """A finding of a rule that is not in ``result.rules`` (should not happen, but stay valid)."""
    from infergw_lint.rules import get_rule

    rule = get_rule(finding.rule)
    if rule is not None:
        return rule_descriptor(rule)
    return {
        "id": finding.rule,
        "name": finding.name or finding.rule,
        "shortDescription": {"text": finding.name or finding.rule},
        "defaultConfiguration": {"level": _level(finding.severity)},
    }


class _Locator:
    """Turns a finding's display path into a SARIF artifactLocation."""

    def __init__(self, root: str | None):
        self.root = os.path.abspath(root or os.getcwd())
        uri = pathlib.Path(self.root).as_uri()
        self.root_uri = uri if uri.endswith("/") else uri + "/"
        self._cache: dict = {}

    def location(self, path: str) -> dict:
        loc = self._cache.get(path)
        if loc is None:
            loc = self._cache[path] = self._compute(path)
        return dict(loc)

    def _compute(self, path: str) -> dict:
        if path == "-":
            return {"uri": "stdin", "description": {"text": "standard input"}}
        full = os.path.abspath(path)
        try:
            rel = os.path.relpath(full, self.root)
        except ValueError:  # another drive on Windows
            rel = None
        if rel is not None and rel != os.curdir and not rel.startswith(os.pardir + os.sep) and rel != os.pardir:
            return {"uri": quote(pathlib.PurePath(rel).as_posix(), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}
        return {"uri": pathlib.Path(full).as_uri()}


def _suppression(value) -> dict:
    kind = value.get("kind") if isinstance(value, dict) else None
    out: dict = {"kind": kind if kind in SUPPRESSION_KINDS else "inSource"}
    if isinstance(value, dict):
        status = value.get("status")
        if status in SUPPRESSION_STATUS:
            out["status"] = status
        justification = value.get("justification")
        if justification:
            out["justification"] = str(justification)
    return out


def _logical_location(resource) -> dict | None:
    if not isinstance(resource, dict) or not resource.get("kind"):
        return None
    name = resource.get("name") or ""
    ns = resource.get("namespace")
    qualified = f"{resource['kind']}/{ns}/{name}" if ns else f"{resource['kind']}/{name}"
    return {"name": str(name), "fullyQualifiedName": qualified, "kind": "resource"}


def _notification(text: str, level: str, rule_index: dict) -> dict:
    out: dict = {"level": level, "message": {"text": text}}
    m = re.search(r"\brule (IGW\d{3})\b", text)
    if m and m.group(1) in rule_index:
        out["associatedRule"] = {"id": m.group(1), "index": rule_index[m.group(1)]}
    return out


def automation_id(category: str) -> str:
    """``runs[].automationDetails.id`` for a category: GitHub reads everything up to the
    last ``/`` as the category, so one is added (as github/codeql-action does with its
    ``category`` input); runs of different categories on one commit are kept apart."""
    category = category.strip()
    return category if category.endswith("/") else category + "/"


def to_sarif(result, root: str | None = None, category: str | None = None) -> dict:
    locator = _Locator(root)
    descriptors: list = []
    index: dict = {}
    for rule in result.rules:
        if rule.code not in index:
            index[rule.code] = len(descriptors)
            descriptors.append(rule_descriptor(rule))

    results = []
    for f in result.findings:
        if f.rule not in index:
            index[f.rule] = len(descriptors)
            descriptors.append(_fallback_descriptor(f))
        span = f.span
        region = {
            "startLine": span.line,
            "startColumn": span.column,
            "endLine": span.end_line,
            "endColumn": span.end_column,
        }
        location: dict = {
            "physicalLocation": {"artifactLocation": locator.location(f.path), "region": region},
        }
        logical = _logical_location(f.resource)
        if logical is not None:
            location["logicalLocations"] = [logical]
        item: dict = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _level(f.severity),
            "message": {"text": f.message},
            "locations": [location],
        }
        if f.fingerprint:
            item["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
        if f.suppression is not None:
            item["suppressions"] = [_suppression(f.suppression)]
        props = {}
        if f.field:
            from ..rule import field_path

            props["field"] = field_path(f.field)
        if f.resource:
            props["resource"] = f.resource
        if props:
            item["properties"] = props
        results.append(item)

    invocation: dict = {"executionSuccessful": not result.internal_errors}
    notes = [_notification(str(e), "error", index) for e in result.internal_errors]
    notes += [_notification(str(n), "note", index) for n in result.notes]
    if notes:
        invocation["toolExecutionNotifications"] = notes

    run = {
        "tool": {
            "driver": {
                "name": "infergw-lint",
                "fullName": f"infergw-lint {__version__}",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": PROJECT_URL,
                "rules": descriptors,
            }
        },
        "invocations": [invocation],
        "originalUriBaseIds": {SRCROOT: {"uri": locator.root_uri}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if category:  # several runs per repository and commit (one per environment, say)
        run["automationDetails"] = {"id": automation_id(category)}
    profile = getattr(result, "versions", None)
    if profile is not None:  # the releases linted against, each with where it came from
        run["properties"] = {"versions": profile.to_json()}
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(result, root: str | None = None, category: str | None = None) -> str:
    # json.dumps(..., indent=2, ensure_ascii=False), the same text (Python's json would fall
    # back to its pure-Python encoder for indent: half of a large report's time)
    return indented.dumps(to_sarif(result, root, category)) + "\n"
