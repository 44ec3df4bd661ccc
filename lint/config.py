"""Configuration: ``.infergw-lint.yaml`` (or ``.yml``) in the linted root or any parent,
``[tool.infergw-lint]`` in a pyproject.toml there, or ``--config FILE``.

The file is validated against ``schemas/infergw-lint-config.schema.json``; a problem is a
``ConfigError`` naming the file, line and column (exit code 2).  The command line overrides
everything the file says.
"""

from __future__ import annotations

import json
import os
import re

from .lazyre import lazy
from .record import Record

CONFIG_NAMES = (".infergw-lint.yaml", ".infergw-lint.yml")
PYPROJECT = "pyproject.toml"


class ConfigError(Exception):
    """An unusable configuration file (exit code 2)."""


def glob_regex(pattern: str) -> re.Pattern:
    """A path glob as a regex over '/'-separated relative paths: ``*`` and ``?`` stay in
    one segment, ``**`` spans directories; a pattern without '/' matches a base name
    anywhere (like .gitignore)."""
    pat = pattern.strip().replace("\\", "/")
    anchored = "/" in pat.rstrip("/")
    pat = pat.lstrip("/")
    if pat.endswith("/"):
        pat += "**"
    out, i = [], 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


class PathMatcher(Record):
    """Globs relative to a root directory."""

    _fields = ("root", "patterns", "_regexes")

    def __init__(self, root: str, patterns: list):
        self.root = root
        self.patterns = patterns
        self._regexes = [glob_regex(p) for p in patterns]

    def matches(self, path: str) -> bool:
        if not self._regexes or path == "-":
            return False
        absolute = os.path.abspath(path)
        disp = path.replace("\\", "/")
        while disp.startswith("./"):
            disp = disp[2:]
        candidates = {disp}
        rel = os.path.relpath(absolute, self.root)
        if not rel.startswith(".."):
            candidates.add(rel.replace(os.sep, "/"))
        return any(rx.match(c) for rx in self._regexes for c in candidates)


class EnvRule(Record):
    _fields = ("env", "paths", "namespaces", "labels")

    def __init__(self, env: str, paths: PathMatcher | None = None, namespaces: tuple = (), labels: dict | None = None):
        self.env = env
        self.paths = paths
        self.namespaces = namespaces
        self.labels = {} if labels is None else labels  # key -> set of values

    def matches(self, doc, index) -> bool:
        if self.paths is not None and self.paths.matches(doc.path):
            return True
        ns = index.namespace_of(doc) if doc.flavor == "k8s" else None
        if ns is not None and ns in self.namespaces:
            return True
        if self.labels and ns is not None:
            labels = index.namespace_labels(ns)
            for key, values in self.labels.items():
                val = labels.get(key)
                if isinstance(val, str) and val in values:
                    return True
        return False


class Config(Record):
    _fields = ("path", "root", "data", "notes")

    def __init__(self, path: str | None, root: str, data: dict | None = None, notes: list | None = None):
        self.path = path  # None: no file found
        self.root = root
        self.data = {} if data is None else data
        self.notes = [] if notes is None else notes  # e.g. a config file ignored on the way up

    def rel(self, p: str) -> str:
        return p if os.path.isabs(p) else os.path.join(self.root, p)

    @property
    def policy_dirs(self) -> list[str]:
        return [self.rel(p) for p in self.data.get("policies", [])]

    @property
    def baseline(self) -> str | None:
        b = self.data.get("baseline")
        return self.rel(b) if b else None

    def environments(self) -> list[EnvRule]:
        out = []
        for entry in self.data.get("environments", []):
            labels = {}
            for key, val in (entry.get("namespace-labels") or {}).items():
                labels[key] = {val} if isinstance(val, str) else set(val)
            out.append(
                EnvRule(
                    env=entry["env"],
                    paths=PathMatcher(self.root, entry["paths"]) if entry.get("paths") else None,
                    namespaces=tuple(entry.get("namespaces") or ()),
                    labels=labels,
                )
            )
        return out

    def exclude(self) -> PathMatcher | None:
        pats = self.data.get("exclude") or []
        return PathMatcher(self.root, pats) if pats else None

    def rule_settings(self) -> tuple[list[str], dict, dict, list[str]]:
        """(disabled rules, severity overrides, rule options, enabled-explicitly)."""
        disabled, severity, options, enabled = [], {}, {}, []
        for key, val in (self.data.get("rules") or {}).items():
            if val is False or val == "off":
                disabled.append(key)
            elif val is True:
                enabled.append(key)
            elif isinstance(val, str):
                severity[key] = val
            elif isinstance(val, dict):
                if val.get("enabled") is False:
                    disabled.append(key)
                elif val.get("enabled") is True:
                    enabled.append(key)
                if "severity" in val:
                    severity[key] = val["severity"]
                if "options" in val:
                    options[key] = val["options"]
        return disabled, severity, options, enabled


def _schema() -> dict:
    from . import read_data

    text = read_data("schemas/infergw-lint-config.schema.json")
    return json.loads(text)


def find_config(paths: list[str], notes: list | None = None) -> tuple[str, str] | None:
    """(path, kind) of the nearest config above the first linted path, kind 'yaml' or
    'pyproject'.

    The search stops at the repository root (the first directory holding ``.git``): a
    configuration above the repository is not the project's.  A file owned by someone else
    than the current user or root, in a directory that others can write (``/tmp``, a shared
    mount), is ignored -- anyone could have put it there -- and said so in ``notes``."""
    start = next((p for p in paths if p != "-"), None)
    base = os.path.abspath(start) if start else os.getcwd()
    if not os.path.isdir(base):
        base = os.path.dirname(base)
    cur = base
    while True:
        for name in CONFIG_NAMES:
            cand = os.path.join(cur, name)
            if os.path.isfile(cand) and _trusted(cand, notes):
                return cand, "yaml"
        cand = os.path.join(cur, PYPROJECT)
        if os.path.isfile(cand) and _pyproject_section(cand) is not None and _trusted(cand, notes):
            return cand, "pyproject"
        parent = os.path.dirname(cur)
        if parent == cur or os.path.exists(os.path.join(cur, ".git")):
            return None
        cur = parent


def _trusted(path: str, notes: list | None) -> bool:
    """False for a file owned by another user (not root) in a directory others can write."""
    import stat

    try:
        owner = os.stat(path).st_uid
        mode = os.stat(os.path.dirname(path) or ".").st_mode
    except OSError:
        return False
    me = os.geteuid() if hasattr(os, "geteuid") else None
    if me is None or owner in (me, 0) or not mode & (stat.S_IWGRP | stat.S_IWOTH):
        return True
    if notes is not None:
        notes.append(
            f"ignored the configuration {path}: it is owned by user {owner} and its directory is writable by others"
        )
    return False


# _may_hold_section's reading of a TOML text, line by line (lazy: compiled for a text that
# names infergw-lint, the only one read so)
_KEY_PART = rb"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""  # bare, "basic" or 'literal'
_KEY = rb"[ \t]*" + _KEY_PART + rb"(?:[ \t]*\.[ \t]*" + _KEY_PART + rb")*[ \t]*"  # dotted
_HEADER = lazy(rb"[ \t]*\[\[?(" + _KEY + rb")\]\]?[ \t]*(?:#[^\n]*)?\r?")  # [table] or [[array]]
_KEY_VALUE = lazy(rb"(" + _KEY + rb")=")
_PARTS = lazy(_KEY_PART)
# a value's pieces: a one-line string, a comment, a bracket or brace, other text, a stray quote
_VALUE_TOKEN = lazy(rb"""("(?:[^"\\\n]|\\.)*"|'[^'\n]*')|(#[^\n]*)|([\[\]{}])|([^"'#\[\]{}]+)|(.)""", re.S)
_NAME = b"infergw-lint"


def _key_path(key: bytes) -> tuple:
    return tuple(p[1:-1] if p[:1] in (b'"', b"'") else p for p in _PARTS.findall(key))


def _may_hold_section(raw: bytes) -> bool:
    """Can a TOML text hold a ``[tool.infergw-lint]`` table?  Only a text that names
    ``infergw-lint`` can (every way of writing the key spells it, except an escape in a
    basic string: ``\\u``, ``\\U``, ``\\x``), and of those only one where the name is a
    key under ``tool`` -- read here line by line, with the tables the headers open and
    the arrays and inline tables that run over lines: a name in a string value (``name =
    "infergw-lint"``) or under another table (``[project.scripts]``) is not ours.  Where
    the reading is unsure (a multi-line string, a line it cannot read, a name inside an
    inline table) it says yes.  A text that cannot hold the section is not parsed -- nor
    refused when it is broken (another tool's pyproject.toml does not stop a lint run), and
    tomllib (with typing) is not imported for it."""
    if b"\\u" in raw or b"\\U" in raw or b"\\x" in raw:
        return True
    if _NAME not in raw:
        return False
    if b'"""' in raw or b"'''" in raw:
        return True  # multi-line strings: a line may not be what it looks like
    table: tuple = ()  # the key path of the last header
    brackets = braces = 0  # of a value still open (an array or inline table over several lines)
    for line in raw.split(b"\n"):
        rest = line
        if not brackets and not braces:
            stripped = line.strip()
            if not stripped or stripped.startswith(b"#"):
                continue
            if stripped.startswith(b"["):
                m = _HEADER.fullmatch(line)
                if m is None:
                    return True
                table = _key_path(m.group(1))
                if table[:2] == (b"tool", _NAME):
                    return True
                continue
            m = _KEY_VALUE.match(line)
            if m is None or (table + _key_path(m.group(1)))[:2] == (b"tool", _NAME):
                return True
            rest = line[m.end():]
        for string, comment, bracket, other, stray in _VALUE_TOKEN.findall(rest):
            if string:
                if braces and _NAME in string:
                    return True  # maybe a key of an inline table
            elif comment:
                break
            elif bracket:
                if bracket == b"[":
                    brackets += 1
                elif bracket == b"]":
                    brackets -= 1
                elif bracket == b"{":
                    braces += 1
                else:
                    braces -= 1
                if brackets < 0 or braces < 0:
                    return True
            elif other:
                if _NAME in other:
                    return True  # a bare name in a value: a key of an inline table
            else:
                return True  # a quote that no string closes
    return False


def _pyproject_section(path: str):
    from .loader import MAX_FILE_BYTES

    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: cannot read: larger than {MAX_FILE_BYTES} bytes")
    if not _may_hold_section(raw):
        return None
    try:
        import tomllib  # type: ignore[import-not-found]
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            return None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return None
    return tool.get("infergw-lint")


def _yaml_config(path: str):
    from .loader import read_yaml_file

    documents = read_yaml_file(path, ConfigError)
    if not documents:
        return {}, None
    if len(documents) > 1:
        raise ConfigError(f"{path}: a config file holds one YAML document")
    return documents[0].data, documents[0]


def _where(path: str, doc, err_path: tuple, key: bool, text: str | None = None) -> str:
    if doc is not None:
        span = doc.span(err_path, key=key)
        return f"{path}:{span.line}:{span.column}"
    if text is not None and err_path:
        # pyproject: the line of the last key named in the path, after the section header
        header = text.find("[tool.infergw-lint")
        name = next((s for s in reversed(err_path) if isinstance(s, str)), None)
        if header != -1 and name:
            m = re.compile(rf'^\s*"?{re.escape(name)}"?\s*=', re.M).search(text, header)
            if m:
                return f"{path}:{text.count(chr(10), 0, m.start()) + 1}:1"
        if header != -1:
            return f"{path}:{text.count(chr(10), 0, header) + 1}:1"
    return path


def validate(data, path: str, doc=None, text: str | None = None) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return
    from jsonschema.exceptions import best_match

    messages = []
    for err in errors[:10]:
        while err.validator in ("oneOf", "anyOf") and err.context and isinstance(err.instance, dict):
            objects = [e for e in err.context if e.schema.get("type") == "object" or "properties" in e.schema]
            err = objects[0] if objects else best_match(err.context)
        err_path = tuple(err.absolute_path)
        key = False
        if err.validator == "additionalProperties":
            extra = [k for k in err.instance if k not in (err.schema.get("properties") or {})]
            if extra:
                err_path += (extra[0],)
                key = True
                msg = f"unknown key {extra[0]!r}"
                known = sorted((err.schema.get("properties") or {}).keys())
                if known:
                    msg += f" (known keys: {', '.join(known)})"
            else:
                msg = err.message
        elif err_path[:1] == ("versions",) and len(err_path) == 2 and err.validator in ("type", "pattern"):
            msg = (f"{err.instance!r} is not a release: write it as a quoted string such as \"1.5\" or \"v1.5.3\" "
                   "(unquoted, YAML reads 1.10 as the number 1.1)")
        elif err.validator == "oneOf" and err_path and err_path[0] == "rules":
            msg = "a rule setting is true/false, a severity (error, warning, info, off), or {enabled, severity, options}"
        else:
            msg = err.message
        field_name = ".".join(str(s) for s in err_path) or "(top level)"
        messages.append(f"{_where(path, doc, err_path, key, text)}: {field_name}: {msg}")
    raise ConfigError("invalid configuration:\n  " + "\n  ".join(messages))


def _display(path: str) -> str:
    rel = os.path.relpath(os.path.abspath(path))
    return path if rel.startswith("..") else rel


def load_config(path: str | None, kind: str = "yaml") -> Config:
    if path is None:
        return Config(None, os.getcwd(), {})
    path = _display(path)
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: no such config file")
    root = os.path.dirname(os.path.abspath(path))
    if kind == "pyproject" or os.path.basename(path) == PYPROJECT:
        data = _pyproject_section(path)
        if data is None:
            raise ConfigError(f"{path}: no [tool.infergw-lint] section")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        validate(data, path, None, text)
        return Config(path, root, data)
    data, doc = _yaml_config(path)
    if data is None:
        data = {}
    validate(data, path, doc)
    return Config(path, root, data)


def discover(paths: list[str], explicit: str | None = None) -> Config:
    if explicit:
        return load_config(explicit)
    notes: list = []
    found = find_config(paths, notes)
    cfg = Config(None, os.getcwd(), {}) if found is None else load_config(*found)
    cfg.notes = notes
    return cfg


def suggest(word: str, rules, prefixes: bool = True) -> str | None:
    """The rule code, name or (with ``prefixes``) code prefix closest to a mistyped
    ``word``, if one is close."""
    import difflib

    codes = [r.code for r in rules]
    names = [r.name for r in rules]
    if not prefixes:
        pool = codes + names
        hit = difflib.get_close_matches(word, pool, n=1, cutoff=0.6) or difflib.get_close_matches(
            word.upper(), codes, n=1, cutoff=0.6
        )
        return repr(hit[0]) if hit else None
    prefixes = sorted({c[: len(word)] for c in codes if len(word) < len(c)})
    letters = word.rstrip("0123456789").upper()
    if letters and len(word) < max(map(len, codes), default=0) and word[len(letters):].isdigit():
        # a code prefix (IGW21): the existing prefixes of that length that share the most
        stem = word.upper()
        while stem:
            same = [p for p in prefixes if p.upper().startswith(stem)]
            if same:
                return " or ".join([", ".join(same[:-1]), same[-1]] if len(same) > 1 else same)
            stem = stem[:-1]
    pool = codes + names + prefixes
    upper = {p.upper(): p for p in pool}
    hit = difflib.get_close_matches(word.upper() if word[:1].isalpha() and word.upper() in upper else word, pool, n=1, cutoff=0.6)
    if not hit:
        hit = difflib.get_close_matches(word.upper(), list(upper), n=1, cutoff=0.6)
        hit = [upper[h] for h in hit]
    return repr(hit[0]) if hit else None


def unknown_selectors(items, rules) -> list[str]:
    """The entries of a --select/--ignore list (or a config's) that match no rule: not a
    code, not a name, not the start of a code."""
    known_codes = {r.code.upper() for r in rules}
    known_names = {r.name for r in rules}
    bad = []
    for part in items:
        part = part.strip()
        if part and part not in known_names and not any(c.startswith(part.upper()) for c in known_codes):
            bad.append(part)
    return bad


def describe_unknown(bad, rules, where: str) -> str:
    """``where: unknown rule(s): X (did you mean Y?), Z; see `infergw-lint rules```."""
    parts = []
    for word in dict.fromkeys(bad):
        hint = suggest(word, rules)
        parts.append(f"{word!r} (did you mean {hint}?)" if hint else repr(word))
    noun = "rule" if len(parts) == 1 else "rules"
    return f"{where}: unknown {noun} {', '.join(parts)}: no rule code, name or code prefix matches (see `infergw-lint rules`)"


def check_rule_names(config: Config, rules) -> None:
    """Every rule a config names must exist (codes, names, prefixes).  ``rules``: a function
    giving every rule, called only when the config names one (listing the rules imports
    their modules: ~45 M instructions that a plain run spends later, in a split load while
    the loading child works)."""
    if not any(config.data.get(key) for key in ("rules", "select", "ignore")):
        return
    rules = rules()
    known_codes = {r.code.upper() for r in rules}
    known_names = {r.name for r in rules}
    bad = []
    for key in (config.data.get("rules") or {}):
        if key.upper() not in known_codes and key not in known_names:
            bad.append(key)
    for lst in ("select", "ignore"):
        val = config.data.get(lst) or []
        for item in [val] if isinstance(val, str) else val:
            bad += unknown_selectors(str(item).split(","), rules)
    if bad:
        raise ConfigError(describe_unknown(bad, rules, str(config.path)))
