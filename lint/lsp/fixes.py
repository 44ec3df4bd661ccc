"""Autofixes as quick fixes: the new text of a file when a finding's fix is applied to the
editor's text, through the same ``fix_text`` that ``--fix`` uses, so the edit changes only
what ``--fix`` would change for that finding."""

from __future__ import annotations


def _context(model):
    from ..fix import FixContext, known_rules

    return FixContext(index=model.index, options=model.options, rules=known_rules(model.options, model.active))


def fix_actions(model, path: str, findings: list) -> list:
    """(title, new text, finding, preferred) for each finding in ``findings`` whose rule has
    a fix that applies here (a refused fix offers nothing; a display-only one neither)."""
    state = model.files.get(path)
    if state is None or state.text is None or not findings:
        return []
    from ..fix import fix_text

    ctx = _context(model)
    out = []
    for f in findings:
        rule = ctx.fixer(f.rule)
        if f.suppression is not None or rule is None:
            continue
        applicability = getattr(rule, "fix_applicability", "safe")
        if applicability == "display-only":
            continue
        ff = fix_text(path, state.text, [f], ctx)
        if not ff.changed or not ff.fixed:
            continue
        what = getattr(rule, "fix_title", "") or ff.fixed[0][1]
        title = f"Fix {f.rule}: {what}" + (" (unsafe)" if applicability == "unsafe" else "")
        out.append((title, ff.new, f, applicability == "safe"))
    return out


def fix_all(model, path: str, findings: list) -> tuple[str, int] | None:
    """(new text, number fixed) for every safe fix of the file at once, as ``--fix`` would
    apply them; None when there is nothing to fix."""
    state = model.files.get(path)
    if state is None or state.text is None:
        return None
    from ..fix import fix_text

    ctx = _context(model)
    todo = [
        f for f in findings
        if f.suppression is None and ctx.fixer(f.rule) is not None
        and getattr(ctx.fixer(f.rule), "fix_applicability", "safe") == "safe"
    ]
    if not todo:
        return None
    ff = fix_text(path, state.text, todo, ctx)
    if not ff.changed or not ff.fixed:
        return None
    return ff.new, len(ff.fixed)
