"""Regular expressions compiled on first use.

``re.compile`` costs 0.05-0.2 ms a pattern on a small machine, and a module's patterns are
compiled when it is imported.  Some of the linter's patterns serve rare paths only: shapes of
API keys tried after a cheap test found a key's prefix, kustomize and helm output, Bifrost
configs, suppression comments.  A run over a file of routes used 14 of the 65 patterns its
modules compiled.  In such a module ``lazy(pattern, flags)`` stands for ``re.compile(pattern,
flags)``: the first call of a method compiles the pattern (``.compiled``) and puts the
compiled pattern's bound methods on the object, so that later calls go straight to them
(IGW207's ``find_secret`` over the 8,846 strings of the samples, fixtures and tests/realworld
takes the same time as with compiled patterns).  No ``__getattr__`` here: defining it would
slow every attribute access of the object, the methods included (that cost ~30%).
"""

from __future__ import annotations

import re
from functools import cached_property

_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    def __init__(self, pattern: str, flags: int = 0):
        self._source = pattern
        self._flags = flags

    @cached_property
    def compiled(self) -> re.Pattern:
        rx = re.compile(self._source, self._flags)
        for name in _METHODS:  # from now on the instance's own attributes: no call through here
            self.__dict__[name] = getattr(rx, name)
        return rx

    def __repr__(self) -> str:
        return f"lazy({self._source!r}, {self._flags!r})"


def _first_call(name: str):
    def method(self, *args, **kwargs):
        return getattr(self.compiled, name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in _METHODS:
    setattr(LazyPattern, _name, _first_call(_name))


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)
