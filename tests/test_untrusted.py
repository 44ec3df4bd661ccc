"""Issue 13: running on an untrusted pull request.  One test (or a few) per attack; each
failed on the main branch before the fix.  Most run the real command in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata

import pytest

from infergw_lint.sanitize import escape, escape_lines

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lint(*args, cwd=None, env=None, input=None, timeout=120):
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", *args], cwd=cwd or ROOT, capture_output=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})}, input=input, timeout=timeout,
    )
    return proc.returncode, proc.stdout.decode("utf-8", "surrogateescape"), proc.stderr.decode("utf-8", "surrogateescape")


# ---- sanitize ------------------------------------------------------------------------------

def test_escape_makes_controls_visible():
    assert escape("a\x1b]0;t\x07b") == "a\\x1b]0;t\\x07b"
    assert escape("x\r\n::error::y") == "x\\r\\n::error::y"
    assert escape("\x9b31m \x7f") == "\\x9b31m \\x7f"
    assert escape("abc\u202egnp.exe \u2066x\u2069") == "abc\\u202egnp.exe \\u2066x\\u2069"
    assert escape("lone \udc80") == "lone \\udc80"
    assert escape("tag \U000e0041") == "tag \\U000e0041"
    assert escape("tab\tstays, back\\slash too") == "tab\tstays, back\\slash too"
    plain = "HTTPRoute app/r attaches to Gateway app/gw: ünïcödé ✓"
    assert escape(plain) is plain


def test_no_value_can_be_a_workflow_command():
    assert escape("::stop-commands::tok") == "\\x3a:stop-commands::tok"
    assert escape("  ::error::x") == "  \\x3a:error::x"
    assert escape("a::b") == "a::b"  # only at the start of a line
    assert escape("x ##[error]y") == "x \\x23#[error]y"
    assert escape_lines("one\n  ::warning::two\r\nthree") == "one\n  \\x3a:warning::two\\r\nthree"


def test_escape_covers_every_control_and_format_character():
    missed = [
        hex(c) for c in range(0x110000)
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Zl", "Zp") and chr(c) != "\t"
        and escape(chr(c)) == chr(c)
    ]
    assert not missed


HOSTILE_ROUTE = (
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n"
    '  name: "r\\e]0;pwn\\a\\n::stop-commands::tok\\u202e"\n  namespace: app\nspec:\n  parentRefs:\n'
    '  - name: "gw\\e[2J\\r\\n::error file=x::owned\\u2066"\n  rules:\n  - backendRefs:\n'
    '    - name: "svc\\e[31m\\n::warning::x"\n      port: 80\n'
)
HOSTILE_NAME = "a\x1b[1m\u202e\n::error::f.yaml"


def _clean_lines(out: str, allowed_command=None) -> None:
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", out)
    for line in out.splitlines():
        if line.lstrip().startswith("::"):
            assert allowed_command and re.match(allowed_command, line), line


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_hostile_names_and_values_reach_no_terminal_or_log(tmp_path, fmt):
    (tmp_path / HOSTILE_NAME).write_text(HOSTILE_ROUTE)
    code, out, err = lint("--assume-complete", "--format", fmt, ".", cwd=tmp_path, env={"GITHUB_WORKSPACE": ""})
    assert code == 1, err
    assert "IGW103" in out and "IGW104" in out
    _clean_lines(out, r"::(error|warning|notice) [^:]*::" if fmt == "github" else None)
    _clean_lines(err)
    # text: the value's LF is a visible \n; github: %0A, a line break inside the annotation only
    assert re.search(r"\\x1b\]0;pwn\\x07(\\n|%0A)(\\x3a:|::)stop-commands::tok\\u202e", out), out
    if fmt == "github":
        notes = sum(1 for line in out.splitlines() if line.startswith("::notice title=infergw-lint::"))
        assert sum(1 for line in out.splitlines() if line.startswith("::")) - notes == 2


def test_hostile_file_name_at_the_start_of_a_text_line(tmp_path):
    """pre-commit passes bare file names: a name that starts with '::' must not start a line."""
    (tmp_path / "::stop-commands::tok.yaml").write_text(HOSTILE_ROUTE)
    code, out, err = lint("--assume-complete", "::stop-commands::tok.yaml", cwd=tmp_path)
    assert code == 1, err
    _clean_lines(out)
    _clean_lines(err)


def test_notes_on_stderr_are_escaped(tmp_path):
    d = tmp_path / "x\x1b]0;t\x07\n::error::y"
    d.mkdir()
    code, out, err = lint(str(d.name), cwd=tmp_path)
    assert code == 0, err
    assert "\\x1b" in err
    _clean_lines(err)


# ---- no code from the tree -------------------------------------------------------------------

PUBLIC_SVC = "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec: {type: ClusterIP}\n"
EVIL_POLICY = (
    "import pathlib\npathlib.Path(__file__).with_name('PWNED').write_text('ran')\n"
    "from infergw_lint.rule import Rule\n\n"
    "class R(Rule):\n    code = 'EVIL001'\n    name = 'evil'\n    severity = 'error'\n"
    "    description = 'x'\n\n    def check(self, doc, ctx):\n        return []\n\nRULE = R()\n"
)
YAML_POLICY = (
    "id: ACME900\nname: services-are-load-balancers\nseverity: error\ndescription: d\n"
    "match: {kind: Service}\nassert: {properties: {spec: {properties: {type: {const: LoadBalancer}}}}}\n"
)


def _tree_with_policy(tmp_path, form: str, parent: bool):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "evil.py").write_text(EVIL_POLICY)
    (tmp_path / "pol" / "data.yaml").write_text(YAML_POLICY)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "svc.yaml").write_text(PUBLIC_SVC)
    policies = str(tmp_path / "pol") if parent else "../pol"
    cfg_dir = tmp_path if parent else tmp_path / "m"
    if form == "yaml":
        (cfg_dir / ".infergw-lint.yaml").write_text(f"policies: [{policies}]\n")
    else:
        (cfg_dir / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n[tool.infergw-lint]\npolicies = ["{policies}"]\n')
    return tmp_path / "pol" / "PWNED"


@pytest.mark.parametrize("parent", [False, True], ids=["same-dir", "parent-dir"])
@pytest.mark.parametrize("form", ["yaml", "pyproject"])
def test_a_config_in_the_tree_runs_no_python_policy(tmp_path, form, parent):
    marker = _tree_with_policy(tmp_path, form, parent)
    code, out, err = lint("--format", "json", "m", cwd=tmp_path)
    assert not marker.exists(), "a Python policy named by a config in the tree was imported"
    data = json.loads(out)
    assert [f["rule"] for f in data["findings"]] == ["ACME900"] and code == 1  # YAML policies still load
    assert any("Python policies that were not loaded" in n and "evil.py" in n for n in data["notes"])
    assert "--allow-python-policies" in err
    # the person running the linter may opt in
    code, out, err = lint("--format", "json", "--allow-python-policies", "m", cwd=tmp_path)
    assert marker.exists() and code == 1, err


def test_python_policies_named_on_the_command_line_run(tmp_path):
    marker = _tree_with_policy(tmp_path, "yaml", False)
    code, out, err = lint("--policies", "pol", "m", cwd=tmp_path)
    assert marker.exists() and code == 1, err


def test_config_discovery_stops_at_the_repository_root(tmp_path):
    (tmp_path / ".infergw-lint.yaml").write_text("fail-on: never\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "m").mkdir()
    (repo / "m" / "svc.yaml").write_text(PUBLIC_SVC.replace("ClusterIP", "LoadBalancer").replace("default}", "default, annotations: {}}"))
    (repo / "m" / "bad.yaml").write_text("a: [1\n")
    code, out, err = lint("m", cwd=repo)
    assert code == 1 and "IGW000" in out, out + err  # the config above the repository was not used


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to make a file owned by another user")
def test_a_config_owned_by_someone_else_in_a_shared_directory_is_ignored(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "bad.yaml").write_text("a: [1\n")
    cfg = shared / ".infergw-lint.yaml"
    cfg.write_text("fail-on: never\n")
    os.chown(cfg, 12345, 12345)
    os.chmod(shared, 0o1777)
    code, out, err = lint("shared", cwd=tmp_path)
    assert code == 1 and "IGW000" in out
    assert "ignored the configuration" in err and "writable by others" in err
    os.chmod(shared, 0o755)  # not writable by others: the owner's file is used
    code, out, err = lint("shared", cwd=tmp_path)
    assert code == 0, out + err


# ---- a pull request cannot switch the check off silently ---------------------------------------

@pytest.mark.parametrize(
    "config,needle",
    [
        ('exclude: ["**"]\n', "exclude patterns leave out every file"),
        ("fail-on: never\n", "fail-on: never"),
        ("baseline: base.json\n", "names the baseline base.json"),
    ],
)
def test_a_config_that_switches_the_check_off_is_reported(tmp_path, config, needle):
    (tmp_path / ".git").mkdir()
    (tmp_path / "bad.yaml").write_text("a: [1\n")
    if "baseline" in config:
        (tmp_path / "base.json").write_text('{"version": 1, "findings": []}\n')
    (tmp_path / ".infergw-lint.yaml").write_text(config)
    for fmt in ("text", "json", "github"):
        code, out, err = lint("--format", fmt, ".", cwd=tmp_path)
        assert needle in out + err, (fmt, out, err)


# ---- option-like file names ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["--write-baseline=b.json", "--fail-on=never", "--policies=p", "-o"])
def test_an_option_that_is_also_a_file_is_refused(tmp_path, name):
    (tmp_path / "bad.yaml").write_text("a: [1\n")
    (tmp_path / name).write_text("{}\n")
    code, out, err = lint(name, "bad.yaml", cwd=tmp_path)
    assert code == 2 and f"write ./{name}" in err, err
    assert not (tmp_path / "b.json").exists()
    code, out, err = lint(f"./{name}", "bad.yaml", cwd=tmp_path)  # the hint works
    assert code == 1 and "IGW000" in out, err
    code, out, err = lint("--", name, "bad.yaml", cwd=tmp_path)  # so does --
    assert code == 1, err


# ---- linear regular expressions -------------------------------------------------------------------

def test_suppression_reason_padded_with_blanks_is_linear(tmp_path):
    import time

    from infergw_lint import suppress

    comment = "  type: LoadBalancer  # infergw-lint: disable=IGW401 reason=x" + " " * 40000 + "y\n"
    (tmp_path / "svc.yaml").write_text(PUBLIC_SVC.replace("spec: {type: ClusterIP}\n", "spec:\n") + comment)
    start = time.perf_counter()
    assert suppress._reason("reason=x" + " " * 40000 + "y") == "x" + " " * 40000 + "y"
    assert suppress._reason("reason=" + " " * 40000) is None
    assert time.perf_counter() - start < 1.0
    code, out, err = lint("--format", "json", "svc.yaml", cwd=tmp_path, timeout=30)
    assert code in (0, 1) and "Traceback" not in err


@pytest.mark.parametrize("reason,expected", [
    ('reason="a b"', "a b"), ("reason='x'  ", "x"), ("reason=bare text ", "bare text"), ("reason=", None),
    ('reason = "a"b"', '"a"b"'), ('reason=""', None), ("reasonable=1 reason=2", "2"), ('reason="', '"'),
])
def test_suppression_reason_parsing_unchanged(reason, expected):
    from infergw_lint import suppress

    assert suppress._reason(reason) == expected


def test_kustomize_target_patterns_run_in_linear_time():
    import time
    from types import SimpleNamespace

    from infergw_lint import render

    doc = SimpleNamespace(kind="Service", group="")
    start = time.perf_counter()
    assert not render._target_matches({"name": "(a|aa)*c"}, doc, {"a" * 60})  # exponential for Python re
    assert not render._target_matches({"kind": "(x+x+)+y"}, SimpleNamespace(kind="x" * 60, group=""), {"a"})
    assert time.perf_counter() - start < 1.0
    assert render._target_matches({"name": "bifrost-.*", "kind": "Deploy.*"}, SimpleNamespace(kind="Deployment", group="apps"), {"bifrost-gw"})
    assert not render._target_matches({"name": "bifrost"}, doc, {"bifrost-gw"})  # anchored, as kustomize does
    assert render._target_matches({"name": "(", "kind": "["}, SimpleNamespace(kind="[", group=""), {"("})  # not RE2: literal


# ---- bounded memory ---------------------------------------------------------------------------------

_PEAK = """
import resource, subprocess, sys
proc = subprocess.run([sys.executable, "-m", "infergw_lint", "--format", "json", sys.argv[1]], capture_output=True)
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(proc.returncode, peak_kb)
sys.stdout.flush()
sys.stdout.buffer.write(proc.stdout[-4000:])
"""


def _peak_rss_mb(path) -> tuple[int, float, str]:
    """Exit code, peak RSS (MB) of a lint run in its own subprocess, the tail of its output."""
    proc = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, timeout=300)
    first, _, rest = proc.stdout.partition(b"\n")
    code, kb = first.split()
    return int(code), int(kb) / 1024, rest.decode("utf-8", "replace")


@pytest.mark.slow
def test_a_20mb_flow_sequence_stays_under_1gb(tmp_path):
    path = tmp_path / "flow.yaml"
    path.write_text("items: [" + "1," * 10_000_000 + "1]\n")
    code, mb, out = _peak_rss_mb(path)
    assert code == 1 and "too many nodes" in out, out
    assert '"line": 1, "column": 1' in out  # located: the start of the document
    assert mb < 1024, f"peak RSS {mb:.0f} MB"


@pytest.mark.slow
def test_a_20mb_json_array_stays_under_1gb(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[" + "1," * 10_000_000 + "1]")
    code, mb, out = _peak_rss_mb(path)
    assert code == 1 and "too many nodes" in out, out
    assert mb < 1024, f"peak RSS {mb:.0f} MB"


@pytest.mark.slow
def test_a_10mb_json_string_stays_under_1gb(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"note": "' + "x" * 10_000_000 + '"}')
    code, mb, out = _peak_rss_mb(path)
    assert code == 0, out
    assert mb < 1024, f"peak RSS {mb:.0f} MB"


def test_stdin_is_capped_like_files(monkeypatch):
    from infergw_lint import loader

    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)

    class Stdin:
        class buffer:
            @staticmethod
            def read(n=-1):
                assert n == 1001  # never an unbounded read
                return b"a: 1\n" * 300

    monkeypatch.setattr(sys, "stdin", Stdin)
    text, err, _ = loader._read_file("-")
    assert text is None and "input too large" in err


def test_total_bytes_per_run_is_capped(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.yaml").write_text(PUBLIC_SVC)
    code, out, err = lint("--format", "json", "--max-total-bytes", "50", ".", cwd=tmp_path)
    data = json.loads(out)
    limited = [f for f in data["findings"] if "--max-total-bytes" in f["message"]]
    assert code == 1 and len(limited) == 2 and data["summary"]["files"] == 1, out


# ---- Unicode that does not decode --------------------------------------------------------------------

NON_UTF8 = os.fsdecode(b"bad-\xff\xfe.yaml")


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs a file system that takes any bytes in a name")
@pytest.mark.parametrize("fmt", ["sarif", "json", "text", "github", "junit", "gitlab"])
def test_a_file_name_that_is_not_utf8(tmp_path, fmt):
    (tmp_path / NON_UTF8).write_text("a: [1\n")
    code, out, err = lint("--format", fmt, ".", cwd=tmp_path)
    assert code == 1, err  # the finding, never exit 2
    assert "internal error" not in err and "not valid UTF-8" in out + err
    if fmt == "sarif":
        data = json.loads(out)
        (result,) = data["runs"][0]["results"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "bad-%FF%FE.yaml"
        out.encode("utf-8")  # no lone surrogate left in the document
    elif fmt in ("json", "gitlab"):
        json.loads(out)


def test_a_lone_surrogate_in_json_is_reported(tmp_path):
    (tmp_path / "config.json").write_text('{"providers": {}, "note": "\\ud800", "ok": "\\ud83d\\ude00 \\\\ud800"}\n')
    code, out, err = lint("--format", "json", "config.json", cwd=tmp_path)
    assert code == 1 and "internal error" not in err
    (finding,) = [f for f in json.loads(out)["findings"] if f["rule"] == "IGW000"]
    assert "lone UTF-16 surrogate \\ud800" in finding["message"]
    assert (finding["line"], finding["column"]) == (1, 28)  # the backslash of \ud800


@pytest.mark.parametrize("encoding", ["ascii:strict", "utf-8:strict"])
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_strict_stdout_never_crashes(tmp_path, encoding, fmt):
    (tmp_path / "ünï.yaml").write_text('apiVersion: v1\nkind: Service\nmetadata: {name: "sé\\ud800"}\nspec: {type: LoadBalancer}\nx: [1\n')
    (tmp_path / "c.json").write_text('{"a": "\\udc80 é"}\n')
    code, out, err = lint("--format", fmt, ".", cwd=tmp_path, env={"PYTHONIOENCODING": encoding})
    assert code == 1 and "internal error" not in err and "Traceback" not in err, err
    if fmt in ("json", "sarif"):
        json.loads(out)


# ---- --fix writes only what it means to ------------------------------------------------------------

FIX_IN = os.path.join(ROOT, "tests", "fixtures_fix", "IGW203", "wrong-value", "input", "cronjob.yaml")
FIX_OUT = os.path.join(ROOT, "tests", "fixtures_fix", "IGW203", "wrong-value", "expected", "cronjob.yaml")


def _lf(path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read().replace(b"\r\n", b"\n")


def test_fix_never_writes_through_a_symlink_out_of_the_tree(tmp_path):
    outside = tmp_path / "home" / "victim.yaml"
    outside.parent.mkdir()
    outside.write_bytes(_lf(FIX_IN))
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "cronjob.yaml").symlink_to(outside)
    code, out, err = lint("--fix", ".", cwd=tree)
    assert outside.read_bytes() == _lf(FIX_IN), "wrote through a symlink to a file outside the tree"
    assert os.path.islink(tree / "cronjob.yaml")
    assert "outside the linted paths" in err and "IGW203" in out
    assert not [p for p in os.listdir(outside.parent) if ".tmp" in p]


def test_fix_follows_a_symlink_inside_the_tree_and_keeps_it(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "cronjob.yaml").write_bytes(_lf(FIX_IN))
    (tmp_path / "link.yaml").symlink_to("real/cronjob.yaml")
    code, out, err = lint("--fix", "link.yaml", "real", cwd=tmp_path)
    assert (tmp_path / "real" / "cronjob.yaml").read_bytes() == _lf(FIX_OUT), err
    assert os.path.islink(tmp_path / "link.yaml")


@pytest.mark.parametrize("eol", [b"\r", b"\r\n", b"\n"], ids=["lone-CR", "CRLF", "LF"])
def test_fix_keeps_line_endings_byte_exact(tmp_path, eol):
    path = tmp_path / "cronjob.yaml"
    path.write_bytes(_lf(FIX_IN).replace(b"\n", eol))
    code, out, err = lint("--fix", "cronjob.yaml", cwd=tmp_path)
    assert path.read_bytes() == _lf(FIX_OUT).replace(b"\n", eol), err


@pytest.mark.skipif(not hasattr(os, "link"), reason="hard links")
def test_fix_keeps_hard_links_mode_and_owner(tmp_path):
    path = tmp_path / "cronjob.yaml"
    path.write_bytes(_lf(FIX_IN))
    os.chmod(path, 0o640)
    os.link(path, tmp_path / "other-name.yml.bak")
    ino = os.stat(path).st_ino
    code, out, err = lint("--fix", "cronjob.yaml", cwd=tmp_path)
    assert path.read_bytes() == _lf(FIX_OUT) == (tmp_path / "other-name.yml.bak").read_bytes(), err
    st = os.stat(path)
    assert st.st_ino == ino and st.st_nlink == 2 and st.st_mode & 0o777 == 0o640


def test_fix_refuses_a_file_swapped_between_read_and_write(tmp_path, monkeypatch):
    from infergw_lint import fix

    path = tmp_path / "cronjob.yaml"
    path.write_bytes(_lf(FIX_IN))
    (tmp_path / "secret").write_text("do not touch\n")
    real_fix_file = fix.fix_file

    def swapping(p, findings, ctx, expect_text=None):
        ff = real_fix_file(p, findings, ctx, expect_text)
        os.unlink(path)
        os.symlink(tmp_path / "secret", path)  # an attacker's swap after the read
        return ff

    monkeypatch.setattr(fix, "fix_file", swapping)
    from infergw_lint.engine import Options, run

    result = run([str(path)], Options())
    report = fix.apply_fixes(result, Options(), write=True, roots=[str(tmp_path)])
    assert (tmp_path / "secret").read_text() == "do not touch\n"
    assert any("replaced while it was being fixed" in (ff.error or "") for ff in report.files)
    assert not [p for p in os.listdir(tmp_path) if ".tmp" in p]


def test_write_errors_leave_no_partial_file(tmp_path, monkeypatch):
    from infergw_lint import fix, safeio

    def enospc(*a, **k):
        raise OSError(28, "No space left on device")

    path = tmp_path / "cronjob.yaml"
    path.write_bytes(_lf(FIX_IN))
    monkeypatch.setattr(os, "fsync", enospc)
    with pytest.raises(OSError):
        fix.write_atomic(str(path), b"new")
    with pytest.raises(OSError):
        safeio.write_text(str(tmp_path / "report.sarif"), "{}")
    assert path.read_bytes() == _lf(FIX_IN)
    assert sorted(os.listdir(tmp_path)) == ["cronjob.yaml"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_to_a_full_device_is_an_error_not_a_partial_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("a: [1\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = lint("--format", "json", "--output", "/dev/full", "bad.yaml", cwd=tmp_path)
    assert code == 2 and "cannot write" in err


# ---- --kustomize ------------------------------------------------------------------------------------

def _kustomization(tmp_path, entries: str):
    k = tmp_path / "overlay"
    (k / "base").mkdir(parents=True)
    (k / "kustomization.yaml").write_text(f"resources:\n- base\n{entries}")
    (k / "base" / "kustomization.yaml").write_text("resources:\n- cm.yaml\n")
    (k / "base" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    return k


@pytest.mark.parametrize("entry", [
    "- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1\n",
    "- github.com/org/repo//deploy?ref=main\n",
    "- git@github.com:org/repo.git\n",
    "helmCharts:\n- {name: x, repo: https://charts.example.com}\n",
])
def test_remote_kustomize_resources_are_refused(tmp_path, entry, monkeypatch):
    k = _kustomization(tmp_path, entry)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "FETCHED"
    (bin_dir / "kustomize").write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    os.chmod(bin_dir / "kustomize", 0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    code, out, err = lint("--kustomize", "overlay", cwd=tmp_path, env=env)
    assert code == 2 and "remote resources" in err and "--allow-remote-resources" in err, err
    assert not marker.exists()  # kustomize never ran
    code, out, err = lint("--allow-remote-resources", "--kustomize", "overlay", cwd=tmp_path, env=env)
    assert marker.exists()  # allowed: the (fake) kustomize ran


def test_a_local_base_is_not_remote(tmp_path):
    from infergw_lint.render import remote_resources

    k = _kustomization(tmp_path, "- ../other.yaml\n")
    assert remote_resources(str(k)) == []


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_render_timeout_kills_the_whole_process_group(tmp_path):
    k = _kustomization(tmp_path, "")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "child.pid"
    (bin_dir / "kustomize").write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pid_file}\nwait\n")
    os.chmod(bin_dir / "kustomize", 0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "INFERGW_LINT_RENDER_TIMEOUT": "1"}
    code, out, err = lint("--kustomize", str(k), cwd=tmp_path, env=env, timeout=60)
    assert code == 2 and "did not finish" in err, err
    child = int(pid_file.read_text())
    import time

    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        try:
            with open(f"/proc/{child}/stat") as fh:
                if ") Z " in fh.read():  # killed, waiting for its reaper
                    break
        except OSError:
            pass
        time.sleep(0.1)
    else:
        os.kill(child, 9)
        pytest.fail("the render tool's child outlived the timeout")
