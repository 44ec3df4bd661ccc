"""The built-in rule pack: one module per rule, named ``igwNNN_<name>.py``.

Each module's docstring is the rule's documentation and each defines ``RULE``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import re

_RULES = None
_MODULE = re.compile(r"^igw\d{3}_\w+$")


def _module_names() -> list[str]:
    """The rule modules (files) of this package, by name, as ``pkgutil.iter_modules`` lists them,
    without the ``inspect`` (and ast, dis, tokenize) that it imports on every run."""
    suffixes = tuple(importlib.machinery.all_suffixes())
    names = set()
    for directory in __path__:
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(suffixes):
                name = entry.partition(".")[0]
                if _MODULE.match(name):
                    names.add(name)
    return sorted(names)


def all_rules():
    """Every built-in rule, ordered by code."""
    global _RULES
    if _RULES is None:
        found = [importlib.import_module(f"{__name__}.{name}").RULE for name in _module_names()]
        _RULES = sorted(found, key=lambda r: r.code)
    return list(_RULES)


def get_rule(code_or_name: str):
    key = code_or_name.strip()
    for rule in all_rules():
        if rule.code.upper() == key.upper() or rule.name == key:
            return rule
    return None
