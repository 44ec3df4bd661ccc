"""Regular expressions compiled on first use.

``re.compile`` costs 0.05-0.2 ms a pattern on a small machine, and a module's patterns are
compiled when it is imported.  Most of the linter's patterns read one kind of input only
(ConfigMaps and LLM client configs for secrets, Bifrost configs, kustomize and helm output,
suppression comments): a run over a file of routes used 14 of the 65 patterns its modules
compiled.  In such a module ``lazy(pattern, flags)`` stands for ``re.compile(pattern,
flags)``: the first use compiles the pattern and keeps its methods on the object, so that
later calls cost what the compiled pattern's do.  Pass ``.compiled`` where a real
``re.Pattern`` is needed (``re.sub(x, ...)``, ``isinstance``).
"""

from __future__ import annotations

import re

_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    __slots__ = ("_source", "_flags", "compiled", *_METHODS)

    def __init__(self, pattern: str, flags: int = 0):
        self._source = pattern
        self._flags = flags

    def __getattr__(self, name: str):
        # reached only while the pattern is not compiled (afterwards the slots are set), or
        # for an attribute of the pattern kept nowhere here (pattern, flags, groups, groupindex)
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            rx = object.__getattribute__(self, "compiled")
        except AttributeError:
            rx = self.compiled = re.compile(self._source, self._flags)
            for method in _METHODS:
                setattr(self, method, getattr(rx, method))
        return rx if name == "compiled" else getattr(rx, name)

    def __repr__(self) -> str:
        return f"lazy({self._source!r}, {self._flags!r})"


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)
