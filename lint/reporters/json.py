"""``--format json``: a stable, versioned shape for scripts and CI jobs."""

from __future__ import annotations

import json


def to_dict(result) -> dict:
    return {
        "version": 1,
        "findings": [f.to_json() for f in result.findings],
        "summary": {
            "files": result.files,
            "resources": result.resources,
            "errors": result.count("error"),
            "warnings": result.count("warning"),
            "infos": result.count("info"),
            "suppressed": sum(1 for f in result.findings if f.suppression is not None),
        },
        "notes": list(result.notes) + list(result.internal_errors),
    }


def render_json(result) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
