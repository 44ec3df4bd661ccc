"""Source files and positions.

Every position the linter reports is computed here, from a character offset into the
decoded text of a file.  Lines and columns are 1-based and counted in Unicode code
points; a CRLF line ending does not shift columns, a UTF-8 BOM is not counted.
"""

from __future__ import annotations

import bisect
from array import array
import re

from .record import FrozenRecord, reduce_record

_WS = " \t\r\n"
_BREAK = re.compile(r"\r\n|\r|\n")


class Span(FrozenRecord):
    """A region of a file: 1-based line and column; end_column points just past the region."""

    _fields = ("line", "column", "end_line", "end_column")

    def __init__(self, line: int, column: int, end_line: int, end_column: int):
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column

    def __reduce__(self):
        # pickled for another process (lint/parallel.py) as a call with its values: a
        # finding and many loading problems hold one (lint/record.py says why)
        if self.__class__ is Span and len(self.__dict__) == 4:
            return Span, (self.line, self.column, self.end_line, self.end_column)
        return reduce_record(self)


class SourceFile:
    """The decoded text of one input file, with a table of line starts."""

    __slots__ = ("path", "text", "_starts", "context_only", "_cursor", "marks")

    def __init__(self, path: str, text: str, context_only: bool = False):
        self.path = path
        self.text = text
        self.context_only = context_only
        self._starts = None
        self._cursor = None
        # what suppress.apply needs of the text, read while the file is loaded (in the
        # loading processes, side by side: suppress.read_marks), or None: not read
        self.marks = None

    def __reduce__(self):
        # pickled for another process (lint/parallel.py) as a call of ``_source_file``: a
        # slotted object is otherwise rebuilt attribute by attribute, after a failed
        # look-up of ``__setstate__`` (five times the cost)
        return _source_file, (self.path, self.text, self.context_only, self._starts, self._cursor, self.marks)

    @property
    def line_starts(self):
        if self._starts is None:
            starts = [0]
            text = self.text
            if "\r" in text and text.count("\r") != text.count("\r\n"):
                # a lone CR ends a line too (YAML says so, and so do editors)
                starts += [m.end() for m in _BREAK.finditer(text)]
            else:
                find = text.find
                i = find("\n")
                while i != -1:
                    starts.append(i + 1)
                    i = find("\n", i + 1)
            self._starts = array("q", starts)  # 8 bytes a line, not a 36-byte int object
        return self._starts

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        starts = self._starts
        if starts is None:
            found = self._count_to(offset)
            if found is not None:
                return found
            starts = self.line_starts
        i = bisect.bisect_right(starts, offset) - 1
        col = offset - starts[i]
        # a column that lands on the "\r" of a CRLF is the end of that line
        return i + 1, col + 1

    def _count_to(self, offset: int) -> tuple[int, int] | None:
        """``line_col`` without the table of line starts: the line breaks between the
        place asked last and ``offset``, counted in C (a tenth of the cost of the table
        when a file is asked a few places, in order, as findings are placed).  None when
        the table is due: the text has lone CRs, or the counting has gone over the text
        twice (places asked far apart)."""
        text = self.text
        cursor = self._cursor
        if cursor is None:
            if "\r" in text and text.count("\r") != text.count("\r\n"):
                return None
            cursor = self._cursor = [0, 0, 0]  # a line start, its 0-based number, characters counted
        start, line, counted = cursor
        if offset >= start:
            line += text.count("\n", start, offset)
            nl = text.rfind("\n", start, offset)
            counted += offset - start
            if nl != -1:
                start = nl + 1
        else:
            line -= text.count("\n", offset, start)
            nl = text.rfind("\n", 0, offset)
            counted += start - nl
            start = nl + 1
        if counted > 2 * len(text) + 4096:
            return None
        cursor[0], cursor[1], cursor[2] = start, line, counted
        return line + 1, offset - start + 1

    def span(self, start: int, end: int) -> Span:
        """Span of text[start:end], with trailing white space left out."""
        text = self.text
        end = max(start, min(end, len(text)))
        while end > start + 1 and text[end - 1] in _WS:
            end -= 1
        line, col = self.line_col(start)
        if 0 <= start and text.find("\n", start, end) == -1 and text.find("\r", start, end) == -1:
            end_line, end_col = line, col + end - start  # on the line it starts on
        else:
            end_line, end_col = self.line_col(end)
        if end_line < line or (end_line == line and end_col <= col):
            end_line, end_col = line, col + 1
        return Span(line, col, end_line, end_col)

    def point(self, offset: int) -> Span:
        line, col = self.line_col(offset)
        return Span(line, col, line, col + 1)

    def line_text(self, line: int) -> str:
        starts = self.line_starts
        if not 1 <= line <= len(starts):
            return ""
        begin = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[begin:end].rstrip("\r\n")


def _source_file(path: str, text: str, context_only: bool, starts, cursor, marks=None) -> SourceFile:
    """A pickled SourceFile again (``SourceFile.__reduce__``)."""
    src = SourceFile(path, text, context_only)
    src._starts, src._cursor, src.marks = starts, cursor, marks
    return src
