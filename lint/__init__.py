"""infergw-lint: policy-as-code linter for AI inference gateway manifests."""

__version__ = "0.1.0"


def read_data(relative: str) -> str:
    """The text of a data file shipped in the package (``schemas/...``): read from beside
    this file, without importing ``importlib.resources`` (with its tempfile, shutil,
    compression modules: ~5 ms of a one-file run); through it when the package is not a
    directory (a zip)."""
    import os

    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), relative), encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        from importlib import resources

        return resources.files("infergw_lint").joinpath(relative).read_text("utf-8")


def _seed_yaml_printable() -> None:
    """Spare start-up the costliest pattern PyYAML compiles on import.

    yaml/reader.py (PyYAML 5.1 to 6.0.x) compiles ``Reader.NON_PRINTABLE``, the characters
    a YAML stream may not hold, as the complement of the allowed ones.  ``re`` builds a
    character class by visiting every BMP code point of its ranges in Python: ~63,000 here,
    ~55 M instructions, a sixth of a run's start-up, for a pattern that only PyYAML's
    pure-Python reader uses (the C parser the loader prefers checks the characters itself).  The same set spelled as what it holds
    (the control characters but tab and line ends, C1 but NEL, the surrogates, U+FFFE and
    U+FFFF) compiles in a tenth of that.  Put in re's cache under PyYAML's spelling, it is
    what the reader's ``re.compile`` returns.  A PyYAML that spells the pattern otherwise
    compiles its own; a Python without the cache skips this."""
    import re
    import sys

    cache = getattr(re, "_cache", None)
    if "yaml" in sys.modules or type(cache) is not dict:
        return
    spelled = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
    cache.setdefault((str, spelled, 0), re.compile("[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uD800-\uDFFF\uFFFE\uFFFF]"))


_seed_yaml_printable()
