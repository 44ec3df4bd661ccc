"""Equality and ``repr`` for the plain data classes of a lint run, without ``dataclasses``.

``@dataclass`` writes a class's ``__init__``, ``__repr__`` and ``__eq__`` as source text and
compiles them when its module is imported: 0.3-1 ms a class on a small machine, ~15 ms for
the thirty-odd classes that every run imports, on top of the ``inspect`` (ast, dis,
tokenize) that ``dataclasses`` imports.  Linting one small file is mostly start-up, so
those classes write their ``__init__`` by hand and take the rest from here, with a
dataclass's meaning: ``==`` compares the fields named in ``_fields``, in order, between
objects of the same class; ``repr`` shows ``_repr_fields`` (by default the same);
``Record`` is unhashable like a dataclass with ``eq``, ``FrozenRecord`` hashes the same tuple
as a frozen one (it does not stop assignment: nothing here assigns to one after ``__init__``).
"""

from __future__ import annotations

import sys
from operator import attrgetter
from reprlib import recursive_repr


class Record:
    __slots__ = ()
    _fields: tuple = ()  # compared by ==, in order (a dataclass's compare=True fields)
    _repr_fields: tuple = ()  # shown by repr (unless a class names them: its _fields)
    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a dataclass with eq=True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        names = cls._fields
        # the fields' values as one tuple: attrgetter gives a tuple for two names or more
        cls._values = staticmethod(attrgetter(*names) if len(names) > 1 else lambda obj: tuple(getattr(obj, n) for n in names))
        if "_repr_fields" not in cls.__dict__:
            cls._repr_fields = names

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._values(self) == self._values(other)
        return NotImplemented

    @recursive_repr()
    def __repr__(self):
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._repr_fields)
        return f"{self.__class__.__qualname__}({shown})"


class FrozenRecord(Record):
    __slots__ = ()

    def __hash__(self):
        return hash(self._values(self))


# ---- pickling for another process (lint/parallel.py) ----------------------------------
# By default pickle sends an object as its class and its ``__dict__``, which the receiving
# side copies into the new instance key by key, interning each key again: for the
# thousands of documents and findings a split run sends back, most of the unpickling.
# ``reduce_record`` sends the attribute names of a layout once per pickle (interned once
# on arrival) and each object's values as a tuple; a class with a layout it nearly always
# has (a loaded document, a finding) sends that layout as a call of a function that sets
# the attributes one by one, which is cheaper still.


class _Layout(tuple):
    """The attribute names of a ``__dict__``, in order: one object per layout, so that a
    pickle holds each layout once and refers back to it."""

    __slots__ = ()

    def __reduce__(self):
        return _interned, (tuple(self),)


_LAYOUTS: dict = {}


def _interned(names: tuple) -> tuple:
    return tuple(map(sys.intern, names))


def layout(names: tuple) -> tuple:
    """The one ``_Layout`` of these attribute names."""
    found = _LAYOUTS.get(names)
    if found is None:
        found = _LAYOUTS[names] = _Layout(names)
    return found


def reduce_record(obj):
    """``__reduce__`` of an object with a ``__dict__``: (its class, its layout, its values);
    unpickled, an object of the same class with the same attributes in the same order."""
    d = obj.__dict__
    return _restore, (obj.__class__, layout(tuple(d)), tuple(d.values()))


def _restore(cls, names: tuple, values: tuple):
    """An object pickled by ``reduce_record``."""
    obj = cls.__new__(cls)
    obj.__dict__.update(zip(names, values))
    return obj
