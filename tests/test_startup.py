"""What a plain lint run imports (issue 20: one small file linted in under 100 ms from a
regular install, most of which is start-up).  Modules that every run once imported and that
a normal run does not need are imported where they are used; these tests keep it so.  No
time is measured here: benchmarks/RESULTS.md has the numbers."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# module -> why a plain run does without it
NOT_IMPORTED = {
    # the run's data classes write their __init__ by hand (lint/record.py): @dataclass
    # compiled ~30 classes' methods at import, ~15 ms
    "dataclasses": "lint/record.py",
    # imported by dataclasses and by pkgutil.iter_modules (the rule pack lists its files itself)
    "inspect": "dataclasses, pkgutil",
    "pkgutil": "rules/__init__.py",
    "ast": "inspect",
    "dis": "inspect",
    "tokenize": "inspect",
}

# module -> what imports it when it is needed; a file of routes needs none of them
NOT_FOR_ROUTES = {
    "difflib": "rule.close_matches: a finding's 'did you mean'",
    "urllib.parse": "urls.parse and IGW204: a URL in a Bifrost or client config",
    "ipaddress": "urls, a CRD field of format ipv4/ipv6, CEL's ip()/cidr() (and urllib.parse)",
    "gzip": "nothing at lint time: the CRD bundles are read with zlib",
}


def _modules_after(*args: str, cwd: str = ROOT) -> set[str]:
    """The modules that linting ``args`` imports in a fresh interpreter (not those the
    interpreter had at start: an editable install's import hook loads pathlib, urllib.parse)."""
    code = (
        "import sys, io, contextlib\n"
        "before = set(sys.modules)\n"
        "from infergw_lint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    main({list(args)!r})\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stdout + proc.stderr
    return set(proc.stdout.strip().splitlines()[-1].split())


def test_a_small_file_run_imports_only_what_it_uses():
    loaded = _modules_after("sample_manifests/good/40-routes.yaml")
    assert "infergw_lint.engine" in loaded and "infergw_lint.crd.cel" in loaded  # the run did lint
    unused = {**NOT_IMPORTED, **NOT_FOR_ROUTES}
    assert not loaded & set(unused), {m: unused[m] for m in loaded & set(unused)}


def test_without_a_pyproject_toml_typing_is_not_imported():
    """typing (~4% of a small run's start-up) came with our annotations and NamedTuples; now
    only tomllib brings it, when a pyproject.toml is read for a [tool.infergw-lint] section."""
    loaded = _modules_after("--no-config", "sample_manifests/good/40-routes.yaml")
    assert not loaded & {"typing", "tomllib"}, loaded & {"typing", "tomllib"}


def test_another_tools_pyproject_toml_is_not_parsed(tmp_path):
    """A pyproject.toml that cannot hold [tool.infergw-lint] (lint/config.py:
    _may_hold_section) costs no TOML parse: tomllib and typing stay out."""
    (tmp_path / ".git").mkdir()  # the repository root: discovery stops here
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.ruff]\nline-length = 120\n')
    with open(os.path.join(ROOT, "sample_manifests", "good", "40-routes.yaml"), encoding="utf-8") as fh:
        (tmp_path / "routes.yaml").write_text(fh.read())
    loaded = _modules_after("routes.yaml", cwd=str(tmp_path))
    assert "infergw_lint.engine" in loaded  # the run did lint
    assert not loaded & {"typing", "tomllib"}, loaded & {"typing", "tomllib"}


def test_a_run_with_findings_of_every_kind_imports_no_more():
    """sample_manifests/bad: many rules report, suppressions, embedded JSON, Bifrost configs."""
    loaded = _modules_after("--no-config", "-f", "json", "sample_manifests/bad")
    assert not loaded & set(NOT_IMPORTED), {m: NOT_IMPORTED[m] for m in loaded & set(NOT_IMPORTED)}


def test_lazy_pattern_is_the_compiled_pattern():
    import re

    from infergw_lint.lazyre import lazy

    for pattern, flags, text in [(r"(a)(?P<b>b)?", re.I, "xAB ab a"), (r"^\s*#.*$", re.M, "x\n  # c\n#d"), ("", 0, "ab")]:
        rx, lz = re.compile(pattern, flags), lazy(pattern, flags)
        assert "compiled" not in vars(lz)  # not compiled until used
        assert [m.span() for m in lz.finditer(text)] == [m.span() for m in rx.finditer(text)]
        assert lz.compiled is lz.compiled and lz.compiled.pattern == pattern and lz.compiled.flags == rx.flags
        assert lz.compiled.groups == rx.groups and lz.compiled.groupindex == rx.groupindex
        # again, now through the compiled pattern's own methods
        assert [m.span() for m in lz.finditer(text)] == [m.span() for m in rx.finditer(text)]
        assert lz.findall(text) == rx.findall(text) and lz.split(text) == rx.split(text)
        assert lz.sub("-", text) == rx.sub("-", text) and lz.subn("-", text) == rx.subn("-", text)
        assert bool(lz.match(text)) == bool(rx.match(text)) and bool(lz.search(text)) == bool(rx.search(text))
        assert bool(lz.fullmatch(text)) == bool(rx.fullmatch(text))
        # each method as the first call
        for name, args in [("match", (text,)), ("fullmatch", (text,)), ("search", (text,)), ("findall", (text,)),
                           ("split", (text,)), ("sub", ("-", text)), ("subn", ("-", text))]:
            got, want = getattr(lazy(pattern, flags), name)(*args), getattr(rx, name)(*args)
            assert (got.span() if isinstance(got, re.Match) else got) == (want.span() if isinstance(want, re.Match) else want)


def test_a_file_of_routes_compiles_no_secret_pattern():
    """IGW207 reads ConfigMaps and LLM client configs: its ~20 patterns (~2 ms to compile)
    wait for the first of them."""
    code = (
        "import io, contextlib\n"
        "from infergw_lint.cli import main\n"
        "from infergw_lint.rules import igw207_inline_secret as m\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    main(['sample_manifests/good/40-routes.yaml'])\n"
        "def compiled(p):\n"
        "    return 'compiled' in vars(p)\n"
        "print(sum(compiled(p) for _, p in m.TOKEN_PATTERNS), compiled(m.BEARER), compiled(m.REFERENCE))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.stdout.split() == ["0", "False", "False"], proc.stdout + proc.stderr


def test_yaml_reader_pattern_seeded_matches_pyyaml_spelling():
    """lint/__init__.py puts PyYAML's Reader.NON_PRINTABLE in re's cache spelled as the
    characters it holds: the reader gets that pattern, and it finds exactly the characters
    PyYAML's own spelling finds, over every code point."""
    import re

    import yaml.reader

    import infergw_lint  # noqa: F401 - imported before yaml by the conftest's imports too

    spelled = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
    own = re._compiler.compile(spelled, 0) if hasattr(re, "_compiler") else re.sre_compile.compile(spelled, 0)
    seeded = yaml.reader.Reader.NON_PRINTABLE
    every = "".join(map(chr, range(0x110000)))
    assert [m.start() for m in seeded.finditer(every)] == [m.start() for m in own.finditer(every)]
    code = "import infergw_lint, yaml.reader; print(yaml.reader.Reader.NON_PRINTABLE.pattern[:2] == '[' + chr(0))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.stdout.strip() == "True", proc.stdout + proc.stderr
