"""The built-in rule pack: one module per rule, named ``igwNNN_<name>.py``.

Each module's docstring is the rule's documentation and each defines ``RULE``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

_RULES = None
_MODULE = re.compile(r"^igw\d{3}_\w+$")


def all_rules():
    """Every built-in rule, ordered by code."""
    global _RULES
    if _RULES is None:
        found = []
        for info in pkgutil.iter_modules(__path__):
            if _MODULE.match(info.name):
                module = importlib.import_module(f"{__name__}.{info.name}")
                found.append(module.RULE)
        _RULES = sorted(found, key=lambda r: r.code)
    return list(_RULES)


def get_rule(code_or_name: str):
    key = code_or_name.strip()
    for rule in all_rules():
        if rule.code.upper() == key.upper() or rule.name == key:
            return rule
    return None
