"""Automatic fixes: ``--fix`` rewrites files in place, ``--diff`` shows what it would do.

Each fix is the ``fix`` method of its rule (see lint/rule.py); this module is the machinery
they share. Only the fix may change a file; everything else keeps its bytes:

* YAML files are cut into their documents at ``---`` lines and only a document that gets a
  fix is loaded, with ruamel.yaml's round-trip loader (comments, key order, quotes kept; the
  mapping indent, sequence indent and dash offset are detected from that document). ruamel's
  dump of the document *before* the fix and its dump *after* it are compared line by line, and
  only the lines the fix changed replace lines of the original text, so whatever ruamel would
  normalise elsewhere (folded long strings, trailing blanks, flow spacing) stays as written.
  The result is checked: it must load to exactly what ruamel's full dump loads to.
  (lint/yamledit.py)
* JSON (a ``.json`` file, or JSON in a ConfigMap data value) is edited by splicing: every
  value the fix did not change keeps its text; a changed object or array is laid out like the
  original (indent unit, one member per line or inline, spacing after ``:`` and ``,``). JSON
  from a ConfigMap goes back into the YAML as a literal block scalar (``|``). (lint/jsonedit.py)
* ``fix_text`` turns a file's text and its findings into the new text without touching the
  disk (the editor integration offers it as a code action); ``fix_file`` reads the file first.
* A file is written atomically (a temporary file in its directory, then ``os.replace``) and
  keeps its permissions, BOM and line endings. A file that does not parse is never touched.
  A fix that is not safe is refused with its reason; the finding then stays.

Fixes of one file run by the rule's ``fix_order``, then by position. This module, and
ruamel.yaml, are imported only for --fix/--diff.
"""

from __future__ import annotations

import codecs
import difflib
import io
import os
import stat
import tempfile
from dataclasses import dataclass, field
from typing import Any

from .jsonedit import JsonText
from .rule import Partly, Refused
from .yamledit import (
    YamlStyle,
    _ry,
    _yaml,
    detect_style,
    forget_orphans,
    keep_ends,
    merge_lines,
    set_value,
    split_documents,
    _plain,
)

__all__ = [
    "DocEdit", "FileFix", "FixContext", "FixReport", "JsonText", "Refused", "apply_fixes", "detect_style",
    "fix_file", "fix_text", "merge_lines", "split_documents", "write_atomic",
]


# ======================================================================================
# results

@dataclass
class FileFix:
    path: str
    old: str = ""
    new: str | None = None  # None: the file is not changed
    fixed: list = field(default_factory=list)  # (Finding, description)
    refused: list = field(default_factory=list)  # (Finding, reason)
    error: str | None = None  # the whole file was left alone, and why
    written: bool = False
    bom: bool = False  # the file starts with a UTF-8 BOM (kept when written)
    identity: tuple | None = None  # (device, inode) of the file read: the one written must be it
    raw: bytes | None = None  # its bytes as read (restored if an in-place write fails)

    @property
    def changed(self) -> bool:
        return self.new is not None and self.new != self.old

    def diff(self) -> str:
        if not self.changed:
            return ""
        name = self.path.replace(os.sep, "/").lstrip("/")
        if name.startswith("./"):
            name = name[2:]
        lines = difflib.unified_diff(
            keep_ends(self.old), keep_ends(self.new), fromfile=f"a/{name}", tofile=f"b/{name}"
        )
        out = []
        for line in lines:
            if not line.endswith("\n"):
                line += "\n\\ No newline at end of file\n"
            out.append(line)
        return "".join(out)



@dataclass
class FixReport:
    files: list = field(default_factory=list)  # FileFix, in path order

    @property
    def changed(self) -> list:
        return [f for f in self.files if f.changed]

    @property
    def fixed_count(self) -> int:
        return sum(len(f.fixed) for f in self.files if f.changed)

    @property
    def refused_count(self) -> int:
        return sum(len(f.refused) for f in self.files)

    def diff(self) -> str:
        return "".join(f.diff() for f in self.files)

    def summary(self, dry_run: bool = False) -> list[str]:
        """Lines for stderr: what was fixed and what was not (with the reason), per file."""
        verb = "would fix" if dry_run else "fixed"
        out = []
        for ff in self.files:
            done = [(f, f"{verb} {f.rule}: {what}") for f, what in ff.fixed] if ff.changed else []
            left = [(f, f"cannot fix {f.rule}: {why}") for f, why in ff.refused]
            for f, line in sorted(done + left, key=lambda p: (p[0].line, p[0].column, p[0].rule)):
                out.append(f"{ff.path}:{f.line}:{f.column}: {line}")
        total = f"{verb} {self.fixed_count} finding(s) in {len(self.changed)} file(s)"
        if self.refused_count:
            total += f"; {self.refused_count} fixable finding(s) left as they were, in whole or in part (reasons above)"
        out.append(total)
        return out



@dataclass
class FixContext:
    """What a rule's ``fix`` sees besides its document: the linted set, the options and the
    rules (code -> Rule; by default the built-in rules and the options' custom policies)."""

    index: Any = None
    options: Any = None
    rules: dict | None = None

    @property
    def rule_options(self) -> dict:
        """The configured rule options, as ``lint.rule.option`` reads them."""
        return getattr(self.options, "rule_options", None) or {}

    def fixer(self, code: str):
        """The rule that reports ``code`` when it has a fix, else None."""
        if self.rules is None:
            self.rules = known_rules(self.options)
        rule = self.rules.get(code)
        return rule if rule is not None and rule.fixable else None


def known_rules(options=None, active=()) -> dict:
    """code -> Rule: the built-in rules, the options' custom policies and ``active`` (the
    rules a run used), later ones winning."""
    from infergw_lint.rules import all_rules

    rules = all_rules() + list(getattr(options, "extra_rules", None) or ()) + list(active or ())
    return {r.code: r for r in rules}


# ======================================================================================
# documents being fixed


class DocEdit:
    """One document of a file, open for fixing. ``root`` is the document (ruamel objects for
    YAML, plain data for JSON); ``resolve`` walks a finding's path, also into JSON held in a
    string (a ConfigMap's ``config.json: |``)."""

    def __init__(self, root, path: str, kind: str):
        self.root = root
        self.path = path  # the file
        self.kind = kind  # "yaml" | "json"
        self.embedded: dict = {}  # path prefix -> (container, key, JsonText)
        self.fixed: list = []  # (Finding, description)
        self.style: YamlStyle | None = None
        self.items: dict = {}  # id(resource) -> _ItemEdit, for the items of a kind: List

    def resolve(self, path: tuple):
        """(container, key) of ``path``; raises Refused when the path no longer exists."""
        if not path:
            raise Refused("the finding names the whole document")
        cur = self.root
        for i, seg in enumerate(path[:-1]):
            cur = self._step(cur, seg, path[: i + 1])
        return cur, path[-1]

    def _step(self, cur, seg, prefix):
        if isinstance(cur, dict):
            if seg not in cur:
                raise Refused(f"{_fmt(prefix)} is no longer in the document")
            val = cur[seg]
        elif isinstance(cur, list) and isinstance(seg, int) and 0 <= seg < len(cur):
            val = cur[seg]
        else:
            raise Refused(f"{_fmt(prefix)} is no longer in the document")
        if isinstance(val, str):
            emb = self.embedded.get(prefix)
            if emb is None:
                jt = JsonText(str(val))
                emb = self.embedded[prefix] = (cur, seg, jt)
            return emb[2].data
        return val

    def get(self, path: tuple):
        container, key = self.resolve(path)
        if isinstance(container, dict):
            if key not in container:
                raise Refused(f"{_fmt(path)} is no longer in the document")
            return container[key]
        if isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container):
            return container[key]
        raise Refused(f"{_fmt(path)} is no longer in the document")

    def finish(self) -> None:
        """Write changed embedded JSON back into its string value."""
        for sub in self.items.values():
            sub.finish()
        for prefix, (container, key, jt) in self.embedded.items():
            new = jt.render()
            if new == jt.text:
                continue
            if self.kind == "yaml" and "\n" in new:
                ss = _ry().scalarstring
                container[key] = ss.LiteralScalarString(new)
            else:
                set_value(container, key, new)


def _fmt(path: tuple) -> str:
    from .rule import field_path

    return field_path(tuple(path)) or "(document)"


class _YamlDoc:
    """A document of a YAML file: its text, and ruamel's view of it once opened."""

    def __init__(self, text: str, first_line: int):
        self.text = text
        self.first_line = first_line  # 1-based line of the document's first line in the file
        self.edit: DocEdit | None = None
        self.base_dump = ""
        self.yaml = None

    def open(self, file_path: str) -> DocEdit:
        if self.edit is not None:
            return self.edit
        ry = _ry()
        style = detect_style(self.text)
        self.yaml = _yaml(style, self.text.startswith("---"))
        try:
            fresh = self.yaml.load(self.text)
            root = self.yaml.load(self.text)
        except ry.constructor.DuplicateKeyError:
            raise Refused("the document has a duplicate key (IGW001); fix that first") from None
        except ry.YAMLError as exc:
            raise Refused(f"ruamel.yaml cannot load the document ({str(exc).splitlines()[0]})") from None
        except Exception as exc:  # ruamel raises assorted errors on odd input
            raise Refused(f"ruamel.yaml cannot load the document ({type(exc).__name__})") from None
        buf = io.StringIO()
        self.yaml.dump(fresh, buf)
        self.base_dump = buf.getvalue()
        self.edit = DocEdit(root, file_path, "yaml")
        self.edit.style = style
        return self.edit

    def render(self) -> str:
        """The document's new text (its old text when nothing changed)."""
        edit = self.edit
        if edit is None or not edit.fixed:
            return self.text
        edit.finish()
        buf = io.StringIO()
        self.yaml.dump(edit.root, buf)
        full = buf.getvalue()
        if full == self.base_dump:
            return self.text
        merged = merge_lines(self.text, self.base_dump, full)
        want = _plain(full)
        if want is None:
            raise Refused("internal: ruamel.yaml wrote a document that does not load")
        if _plain(merged) != want:
            # the line merge met a part of the document ruamel writes very differently: use
            # ruamel's whole dump of this document (comments and order kept, layout normalised)
            return full
        return merged


# ======================================================================================
# files


def _decode(raw: bytes) -> tuple[str, bool]:
    bom = raw.startswith(codecs.BOM_UTF8)
    return raw.decode("utf-8-sig"), bom


def _parses(path: str, text: str) -> tuple[bool, int]:
    """(does the text load without IGW000, number of IGW001 duplicate keys)."""
    from .loader import LoadResult, parse_source
    from .source import SourceFile

    result = LoadResult()
    parse_source(SourceFile(path, text), result)
    bad = [p for p in result.problems if p.code == "IGW000"]
    dups = sum(1 for p in result.problems if p.code == "IGW001")
    return not bad, dups


def fix_text(path: str, text: str, findings: list, ctx: FixContext) -> FileFix:
    """Apply the fixes for ``findings`` (all in the file ``path``, whose text is ``text``,
    without a BOM) and return the outcome: ``.new`` is the new text (None when nothing
    changed), ``.fixed`` and ``.refused`` say what happened to each finding. Reads and
    writes no file; findings of rules without a fix are left out."""
    ff = FileFix(path, old=text)
    forget_orphans()
    findings = [f for f in findings if ctx.fixer(f.rule) is not None]
    _fix_text(ff, text, findings, ctx)
    return _refuse_all_on_error(ff, findings)


def fix_file(path: str, findings: list, ctx: FixContext, expect_text: str | None = None) -> FileFix:
    """Read ``path`` and apply the fixes for ``findings`` (all in ``path``, all of rules
    with a fix); the new text is returned, nothing is written here. ``expect_text``: the
    text the findings were made from (the file must not have changed since)."""
    ff = FileFix(path)
    forget_orphans()
    text = _read(ff, expect_text)
    if text is not None:
        _fix_text(ff, text, findings, ctx)
    return _refuse_all_on_error(ff, findings)


def _refuse_all_on_error(ff: FileFix, findings: list) -> FileFix:
    if ff.error:
        ff.refused = [(f, ff.error) for f in sorted(findings, key=lambda f: (f.line, f.column, f.rule))]
    return ff


def _read(ff: FileFix, expect_text: str | None) -> str | None:
    """The file's text (its BOM noted in ``ff``), or None with ``ff.error`` set."""
    try:
        # the file itself, never a symlink swapped in after realpath (O_NOFOLLOW); its
        # identity is checked again just before the new text replaces it (write_atomic)
        fd = os.open(os.path.realpath(ff.path), os.O_RDONLY | _NOFOLLOW)
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                ff.error = "not a regular file"
                return None
            raw = fh.read()
        ff.identity, ff.raw = (st.st_dev, st.st_ino), raw
    except OSError as exc:
        ff.error = f"cannot read the file ({exc.strerror or exc})"
        return None
    try:
        text, ff.bom = _decode(raw)
    except UnicodeDecodeError:
        ff.error = "not UTF-8 text"
        return None
    ff.old = text
    if expect_text is not None and text != expect_text:
        ff.error = "the file changed while it was being linted; run again"
        return None
    return text


def _fix_text(ff: FileFix, text: str, findings: list, ctx: FixContext) -> None:
    path = ff.path
    crlf = "\r\n" in text
    if crlf and text.count("\r\n") != text.count("\n"):
        ff.error = "mixed line endings (CRLF and LF); not rewritten"
        return
    eol = "\r\n" if crlf else "\n"
    if "\r" in text and text.count("\r") != text.count("\r\n"):  # a lone CR ends lines too (old Mac)
        if "\n" in text:
            ff.error = "mixed line endings (CR with LF or CRLF); not rewritten"
            return
        eol = "\r"
    work = text.replace(eol, "\n") if eol != "\n" else text
    ok, dups_before = _parses(path, text)
    if not ok:
        ff.error = "the file does not parse (IGW000); fix its syntax first"
        return
    is_json = path.lower().endswith(".json")
    docs: list = []
    if is_json:
        try:
            jt = JsonText(work)
        except Refused as exc:
            ff.error = str(exc)
            return
        single = DocEdit(jt.data, path, "json")
    else:
        starts = split_documents(work)
        line = 1
        for s, e in starts:
            docs.append(_YamlDoc(work[s:e], line))
            line += work.count("\n", s, e)

    broken: dict = {}  # id(DocEdit) -> why: a fix failed half-way, so nothing of it is kept

    def order(f) -> tuple:
        return (ctx.fixer(f.rule).fix_order, f.line, f.column, f.rule)

    for f in sorted(findings, key=order):
        edit = None
        try:
            if is_json:
                edit = single
            else:
                ydoc = _doc_for_line(docs, f.line)
                edit = ydoc.open(path)
                edit = _item_edit(edit, ydoc, f)
            what = ctx.fixer(f.rule).fix(edit, f, ctx)
            if isinstance(what, Partly):  # part done, part refused (with the reason)
                ff.refused.append((f, what.refused))
                what = what.done
            edit.fixed.append((f, what))
        except Refused as exc:
            ff.refused.append((f, str(exc)))
        except Exception as exc:  # a bug in a fixer must not cost the user the file
            why = f"internal error in the {f.rule} fixer ({type(exc).__name__}: {exc}); document left unchanged"
            ff.refused.append((f, why))
            if edit is not None:
                broken[id(getattr(edit, "owner", edit))] = why

    def give_up(edit, why):
        ff.refused.extend((f, why) for f, _ in edit.fixed)
        edit.fixed.clear()

    if is_json:
        if id(single) in broken:
            give_up(single, broken[id(single)])
        try:
            new_work = jt.render() if single.fixed else work
        except Exception as exc:
            give_up(single, f"internal error while writing the JSON ({type(exc).__name__}); left unchanged")
            new_work = work
        fixed = list(single.fixed)
    else:
        pieces, fixed = [], []
        for ydoc in docs:
            edit = ydoc.edit
            if edit is not None and id(edit) in broken:
                give_up(edit, broken[id(edit)])
            try:
                pieces.append(ydoc.render())
            except Refused as exc:
                pieces.append(ydoc.text)
                give_up(edit, str(exc))
            except Exception as exc:
                pieces.append(ydoc.text)
                give_up(edit, f"internal error while writing the document ({type(exc).__name__}); left unchanged")
            if edit is not None:
                fixed += edit.fixed
        new_work = "".join(pieces)

    new_text = new_work.replace("\n", eol) if eol != "\n" else new_work
    if new_text != text:
        ok, dups_after = _parses(path, new_text)
        if not ok or dups_after > dups_before:
            ff.refused += [(f, "internal: the fixed file would not load; left unchanged") for f, _ in fixed]
            return
        ff.new = new_text
    ff.fixed = sorted(fixed, key=lambda p: (p[0].line, p[0].column, p[0].rule))
    ff.refused.sort(key=lambda p: (p[0].line, p[0].column, p[0].rule))


def _doc_for_line(docs: list, line: int) -> _YamlDoc:
    chosen = docs[0]
    for d in docs:
        if d.first_line <= line:
            chosen = d
        else:
            break
    return chosen


class _ItemEdit(DocEdit):
    """A resource inside a ``kind: List`` document; its fixes count for the whole document."""

    def __init__(self, owner: DocEdit, item):
        super().__init__(item, owner.path, owner.kind)
        self.owner = owner
        self.fixed = owner.fixed
        self.style = owner.style
        owner.items[id(item)] = self


def _item_edit(edit: DocEdit, ydoc: _YamlDoc, f) -> DocEdit:
    root = edit.root
    res = f.resource or {}
    if isinstance(root, dict) and root.get("kind") == "List" and isinstance(root.get("items"), list) and res.get("kind") != "List":
        rel = f.line - ydoc.first_line  # 0-based line inside the document text
        chosen = None
        for item in root["items"]:
            lc = getattr(item, "lc", None)
            if lc is not None and lc.line is not None and lc.line <= rel:
                chosen = item
        if not isinstance(chosen, dict):
            raise Refused("could not find the resource inside the List")
        return edit.items.get(id(chosen)) or _ItemEdit(edit, chosen)
    if res and isinstance(root, dict):
        meta = root.get("metadata") if isinstance(root.get("metadata"), dict) else {}
        if root.get("kind") != res.get("kind") or meta.get("name") != res.get("name"):
            raise Refused("could not match the finding to its document")
    return edit


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class FileSwapped(OSError):
    """The file on disk is no longer the one that was read and fixed."""


def _check_same(target: str, identity: tuple | None) -> os.stat_result:
    st = os.lstat(target)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode) or (
        identity is not None and (st.st_dev, st.st_ino) != identity
    ):
        raise FileSwapped(0, "the file was replaced while it was being fixed; not written")
    return st


def write_atomic(path: str, data: bytes, identity: tuple | None = None, old: bytes | None = None) -> None:
    """Replace ``path`` with ``data``, keeping its permissions, owner (when allowed) and hard
    links; a symlink is followed (the link stays a link).  ``identity``: the (device, inode)
    of the file that was read -- a file swapped in since (another file, a symlink) is not
    written (FileSwapped).  A file with several hard links is rewritten in place, so every
    link sees the fix (``old``, its previous bytes, is put back if that write fails);
    otherwise a temporary file beside it is renamed over it.  On any error nothing is left
    behind: no partial file, no temporary file."""
    target = os.path.realpath(path)
    st = _check_same(target, identity)
    if st.st_nlink > 1:
        _write_in_place(target, data, identity, old)
        return
    directory = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".fix.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        if hasattr(os, "chown"):
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass
        _check_same(target, identity)  # the last moment before the rename
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _replace_contents(fd: int, data: bytes) -> None:
    """Make the open file ``fd`` hold exactly ``data`` (written from its start, then cut)."""
    os.lseek(fd, 0, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.ftruncate(fd, len(data))


def _write_in_place(target: str, data: bytes, identity: tuple | None, old: bytes | None) -> None:
    fd = os.open(target, os.O_WRONLY | _NOFOLLOW)
    try:
        st = os.fstat(fd)
        if identity is not None and (st.st_dev, st.st_ino) != identity:
            raise FileSwapped(0, "the file was replaced while it was being fixed; not written")
        try:
            _replace_contents(fd, data)
            os.fsync(fd)
        except OSError:
            if old is not None:  # put the previous bytes back (they fitted before)
                try:
                    _replace_contents(fd, old)
                except OSError:
                    pass
            raise
    finally:
        os.close(fd)


def _inside(path: str, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    for root in roots:
        r = os.path.realpath(root)
        if real == r or real.startswith(r.rstrip(os.sep) + os.sep):
            return True
    return False


def apply_fixes(result, options=None, *, write: bool = True, roots: list[str] | None = None) -> FixReport:
    """Fix every fixable, unsuppressed finding of a lint ``result``; write the files when
    ``write`` (else only compute the new texts, for --diff).  ``roots``: the paths linted;
    a file that resolves outside them (a symlink in the tree to ~/.bashrc) is not written."""
    index = getattr(result, "index", None)
    ctx = FixContext(index=index, options=options, rules=known_rules(options, getattr(result, "rules", None)))
    texts = {}
    for doc in getattr(index, "documents", None) or ():
        texts.setdefault(doc.source.path, doc.source.text)
    by_file: dict = {}
    rendered = []
    for f in result.findings:
        if ctx.fixer(f.rule) is None or f.suppression is not None:
            continue
        if f.rendered:
            rendered.append(f)
        elif f.path != "-":
            by_file.setdefault(f.path, []).append(f)
    report = FixReport()
    for f in rendered:
        report.files.append(FileFix(f.path, refused=[(f, "found in kustomize/helm output: fix the source file by hand")]))
    stdin = [f for f in result.findings if ctx.fixer(f.rule) is not None and f.suppression is None and f.path == "-"]
    if stdin:
        report.files.append(FileFix("-", refused=[(f, "standard input cannot be fixed in place") for f in stdin]))
    for path in sorted(by_file):
        if write and roots is not None and not _inside(path, roots):
            reason = f"a symlink to {os.path.realpath(path)}, outside the linted paths: not written"
            report.files.append(FileFix(path, refused=[(f, reason) for f in by_file[path]]))
            continue
        ff = fix_file(path, by_file[path], ctx, texts.get(path))
        if write and ff.changed:
            text = ff.new
            data = (codecs.BOM_UTF8 if ff.bom else b"") + text.encode("utf-8")
            try:
                write_atomic(path, data, ff.identity, ff.raw)
                ff.written = True
            except OSError as exc:
                ff.error = f"cannot write the file ({exc.strerror or exc})"
                ff.refused += [(f, ff.error) for f, _ in ff.fixed]
                ff.fixed = []
                ff.new = None
        report.files.append(ff)
    return report
