"""``--format json``: a stable, versioned shape for scripts and CI jobs."""

from __future__ import annotations

import json


def to_dict(result, findings: bool = True) -> dict:
    return {
        "version": 1,
        "findings": [f.to_json() for f in result.findings] if findings else [],
        "summary": {
            "files": result.files,
            "resources": result.resources,
            "errors": result.count("error"),
            "warnings": result.count("warning"),
            "infos": result.count("info"),
            "suppressed": sum(1 for f in result.findings if f.suppression is not None),
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
    """``render_json`` in pieces of about ``chunk`` characters, for writing as it is made
    (the whole report and its pieces are never in memory at once)."""
    data = to_dict(result, findings=False)  # each finding's dict is made when it is written

    dump = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), one encoder

    parts = ['{\n  "version": 1,\n  "findings": [']
    size = 0
    sep = "\n    "
    for f in result.findings:
        text = dump(f.to_json())
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
