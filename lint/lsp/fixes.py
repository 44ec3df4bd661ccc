"""Autofixes as quick fixes: the new text of a file when one finding's fix is applied to
the editor's text (what ``--fix`` would change for that finding, nothing else)."""

from __future__ import annotations


def fix_actions(model, path: str, findings: list) -> list:
    """(title, new text, finding) for each fixable finding in ``findings``."""
    return []
