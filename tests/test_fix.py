"""--fix and --diff: golden fixtures, byte-exact round trips, idempotence, safe writes.

A fix fixture is ``tests/fixtures_fix/CODE/CASE/`` with

* ``input/``: the files as written (a tree: client configs need their file names);
* ``expected/``: the tree after ``--fix`` (absent when the fix must change nothing);
* ``args`` (optional): the command-line options (default ``--no-config --select CODE``);
* ``refused`` (optional): lines that must appear in the --fix report on stderr; the case's
  findings may then remain after the fix.
"""

from __future__ import annotations

import difflib
import gc
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest

from infergw_lint.cli import main
from infergw_lint.engine import Options, run
from infergw_lint.fix import JsonText, detect_style, merge_lines, split_documents
from infergw_lint.rules import all_rules

FIXABLE = {r.code for r in all_rules() if r.fixable}  # the rules that define a fix

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX_FIXTURES = os.path.join(ROOT, "tests", "fixtures_fix")
SAMPLES = os.path.join(ROOT, "sample_manifests")


def cli(*args, cwd=None):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(old)
        gc.enable()  # the CLI turns the cyclic GC off for its short life
    return code, out.getvalue(), err.getvalue()


def tree(base: str) -> dict:
    """Relative path -> bytes of every file under ``base``."""
    out = {}
    for root, _, files in os.walk(base):
        for name in files:
            full = os.path.join(root, name)
            with open(full, "rb") as fh:
                out[os.path.relpath(full, base)] = fh.read()
    return out


def _cases():
    cases = []
    if not os.path.isdir(FIX_FIXTURES):
        return cases
    for code in sorted(os.listdir(FIX_FIXTURES)):
        for case in sorted(os.listdir(os.path.join(FIX_FIXTURES, code))):
            full = os.path.join(FIX_FIXTURES, code, case)
            if os.path.isdir(os.path.join(full, "input")):
                cases.append(pytest.param(code, full, id=f"{code}/{case}"))
    return cases


def _case(code, case_dir):
    args_file = os.path.join(case_dir, "args")
    args = open(args_file).read().split() if os.path.exists(args_file) else ["--no-config", "--select", code]
    refused_file = os.path.join(case_dir, "refused")
    refused = [line for line in open(refused_file).read().splitlines() if line.strip()] if os.path.exists(refused_file) else []
    before = tree(os.path.join(case_dir, "input"))
    expected = dict(before)
    if os.path.isdir(os.path.join(case_dir, "expected")):
        expected.update(tree(os.path.join(case_dir, "expected")))
    return args, refused, before, expected


def _copy_input(case_dir, tmp_path) -> str:
    work = str(tmp_path / "work")
    shutil.copytree(os.path.join(case_dir, "input"), work)
    return work


def test_there_are_fix_fixtures_for_every_fixer():
    have = {c.values[0] for c in _cases()}
    assert FIXABLE <= have, f"no fix fixture for {sorted(FIXABLE - have)}"


@pytest.mark.parametrize("code,case_dir", _cases())
def test_fix_fixture(code, case_dir, tmp_path):
    args, refused, before, expected = _case(code, case_dir)
    work = _copy_input(case_dir, tmp_path)

    status, out, err = cli(*args, "--fix", ".", cwd=work)
    assert status in (0, 1), err
    assert "Traceback" not in err and "internal error" not in err, err
    got = tree(work)
    for rel, want in expected.items():
        assert got[rel] == want, (
            f"{rel} differs from the expected file:\n"
            + "".join(difflib.unified_diff(want.decode().splitlines(True), got[rel].decode().splitlines(True)))
        )
    for line in refused:
        assert line in err, f"--fix report lacks {line!r}:\n{err}"
    if expected == before:
        assert "fixed 0 finding(s)" in err

    # idempotent: a second --fix finds nothing more to do
    status, out, err2 = cli(*args, "--fix", ".", cwd=work)
    assert tree(work) == got, "a second --fix changed the files again"
    assert "fixed 0 finding(s) in 0 file(s)" in err2

    # after the fix the rule no longer fires (unless the case expects a refusal)
    if not refused:
        status, out, err = cli(*args, "--format", "json", ".", cwd=work)
        left = [f for f in json.loads(out)["findings"] if f["rule"] == code and not f.get("suppressed")]
        assert not left, [f"{f['path']}:{f['line']}:{f['column']} {f['message']}" for f in left]


@pytest.mark.parametrize("code,case_dir", _cases())
def test_diff_fixture(code, case_dir, tmp_path):
    args, refused, before, expected = _case(code, case_dir)
    work = _copy_input(case_dir, tmp_path)
    status, out, err = cli(*args, "--diff", ".", cwd=work)
    assert tree(work) == before, "--diff wrote to a file"
    changed = sorted(rel for rel in expected if expected[rel] != before[rel])
    assert status == (1 if changed else 0), err
    want = ""
    for rel in sorted(expected):
        if expected[rel] == before[rel]:
            continue
        name = rel.replace(os.sep, "/")
        want_lines = difflib.unified_diff(
            before[rel].decode("utf-8-sig").splitlines(True), expected[rel].decode("utf-8-sig").splitlines(True),
            fromfile=f"a/{name}", tofile=f"b/{name}",
        )
        want += "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in want_lines)
    assert out == want


# ---- sample manifests: nothing is rewritten that has no fix -----------------------------


def _sample_files():
    out = []
    for root, _, files in os.walk(SAMPLES):
        for name in sorted(files):
            if name.endswith((".yaml", ".yml", ".json")):
                out.append(os.path.join(root, name))
    return sorted(out)


@pytest.mark.parametrize("path", _sample_files(), ids=lambda p: os.path.relpath(p, SAMPLES))
def test_sample_round_trips_byte_for_byte(path):
    """ruamel's load + dump of every document we could fix (with the detected indentation)
    reproduces it exactly, and so does the JSON editor for every JSON text."""
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import YAMLError

    from infergw_lint.fix import _yaml

    text = open(path, encoding="utf-8-sig").read()
    if path.endswith(".json"):
        assert JsonText(text).render() == text
        return
    for start, end in split_documents(text):
        chunk = text[start:end]
        y = _yaml(detect_style(chunk), chunk.startswith("---"))
        try:
            data = y.load(chunk)
        except (DuplicateKeyError, YAMLError):
            continue  # never rewritten: a document that ruamel cannot load is refused
        buf = io.StringIO()
        y.dump(data, buf)
        assert buf.getvalue() == chunk, "".join(difflib.unified_diff(chunk.splitlines(True), buf.getvalue().splitlines(True)))
        if isinstance(data, dict) and data.get("kind") == "ConfigMap" and isinstance(data.get("data"), dict):
            for key, value in data["data"].items():
                if str(key).endswith(".json") and isinstance(value, str):
                    assert JsonText(str(value)).render() == str(value)


def test_good_samples_are_left_alone(tmp_path):
    work = str(tmp_path / "good")
    shutil.copytree(os.path.join(SAMPLES, "good"), work)
    before = tree(work)
    status, out, err = cli("--no-config", "--fix", work)
    assert status == 0, out + err
    assert tree(work) == before
    assert "fixed 0 finding(s) in 0 file(s)" in err


def test_bad_samples_fix_round(tmp_path):
    work = str(tmp_path / "bad")
    shutil.copytree(os.path.join(SAMPLES, "bad"), work)
    before = tree(work)
    first = run([work], Options())
    fixable = {f.path for f in first.findings if f.rule in FIXABLE and f.suppression is None}

    status, out, err = cli("--no-config", "--fix", work)
    assert "Traceback" not in err and "internal error" not in err, err
    after = tree(work)
    for rel, data in before.items():
        if os.path.join(work, rel) not in fixable:
            assert after[rel] == data, f"{rel} has no fixable finding but was rewritten"
    assert any(after[rel] != before[rel] for rel in before), "nothing was fixed in sample_manifests/bad"
    assert after["70-broken.yaml"] == before["70-broken.yaml"]

    refused = {line.split(": cannot fix ", 1)[1].split(":", 1)[0] for line in err.splitlines() if ": cannot fix " in line}
    left = {f.rule for f in run([work], Options()).findings if f.rule in FIXABLE and f.suppression is None}
    assert left <= refused, f"fixed rules still fire: {sorted(left - refused)}"

    status2, _, err2 = cli("--no-config", "--fix", work)
    assert tree(work) == after, "a second --fix changed sample_manifests/bad again"
    assert "fixed 0 finding(s) in 0 file(s)" in err2


# ---- safety --------------------------------------------------------------------------------

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: bifrost
spec:
  containers:
    - name: bifrost
      image: maximhq/bifrost
"""


def test_a_file_that_does_not_parse_is_never_touched(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text(POD + "---\nfoo: [unclosed\n", encoding="utf-8")
    before = bad.read_bytes()
    status, out, err = cli("--no-config", "--select", "IGW203", "--fix", str(bad))
    assert bad.read_bytes() == before
    assert "does not parse" in err
    status, out, err = cli("--no-config", "--select", "IGW203", "--diff", str(bad))
    assert out == "" and status == 0


def test_write_is_atomic_and_keeps_permissions(tmp_path):
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD, encoding="utf-8")
    os.chmod(pod, 0o640)
    link = tmp_path / "link.yaml"
    os.symlink("pod.yaml", link)
    status, out, err = cli("--no-config", "--select", "IGW203", "--fix", str(link))
    assert status == 0, err
    assert stat.S_IMODE(os.stat(pod).st_mode) == 0o640
    assert os.path.islink(link), "the symlink was replaced by a file"
    assert "fsGroup: 1000" in pod.read_text(encoding="utf-8")
    assert sorted(os.listdir(tmp_path)) == ["link.yaml", "pod.yaml"], "a temporary file was left behind"


def test_crlf_and_bom_are_kept(tmp_path):
    pod = tmp_path / "pod.yaml"
    pod.write_bytes(b"\xef\xbb\xbf" + POD.replace("\n", "\r\n").encode())
    cli("--no-config", "--select", "IGW203", "--fix", str(pod))
    data = pod.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfapiVersion: v1\r\n")
    assert b"\r\n  securityContext:\r\n    fsGroup: 1000\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_stdin_is_not_fixed(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(POD.encode())))
    status, out, err = cli("--no-config", "--select", "IGW203", "--fix", "-")
    assert "standard input cannot be fixed in place" in err
    assert status == 1


def test_suppressed_findings_are_not_fixed(tmp_path):
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD.replace("spec:\n", 'spec:  # infergw-lint: disable=IGW203 reason="fsGroup set by the namespace policy"\n'), encoding="utf-8")
    before = pod.read_bytes()
    status, out, err = cli("--no-config", "--select", "IGW203", "--fix", str(pod))
    assert pod.read_bytes() == before


def _modules_after_a_plain_lint() -> list[str]:
    """The modules a fresh interpreter has loaded after linting sample_manifests/bad."""
    code = (
        "import sys, io, contextlib\n"
        "from infergw_lint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--no-config', 'sample_manifests/bad'])\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stdout + proc.stderr
    return proc.stdout.strip().splitlines()[-1].split()


def test_lint_alone_does_not_import_ruamel():
    loaded = _modules_after_a_plain_lint()
    assert not any(m.startswith("ruamel") for m in loaded), [m for m in loaded if m.startswith("ruamel")]


def test_lint_alone_does_not_load_the_fix_machinery():
    """Fix methods import lint/fix.py and the editors lazily: a plain lint run loads none of them."""
    loaded = set(_modules_after_a_plain_lint())
    assert not loaded & {"infergw_lint.fix", "infergw_lint.yamledit", "infergw_lint.jsonedit"}


def test_fix_text_needs_no_file(tmp_path):
    """fix_text: a file's text and its findings in, the new text out (what an editor offers
    as a code action); the disk is not read or written."""
    from infergw_lint.fix import FixContext, fix_text

    pod = tmp_path / "pod.yaml"
    pod.write_text(POD, encoding="utf-8")
    result = run([str(pod)], Options(select=["IGW203"]))
    pod.unlink()
    ff = fix_text(str(pod), POD, result.findings, FixContext(index=result.index))
    assert ff.error is None and not ff.refused
    assert "  securityContext:\n    fsGroup: 1000\n" in ff.new
    assert [f.rule for f, _ in ff.fixed] == ["IGW203"]
    assert not pod.exists()


# ---- building blocks ------------------------------------------------------------------------


def test_merge_keeps_lines_ruamel_would_rewrite():
    orig = "a: 1   \nk: v\nlong: folded\n  text\nm: w\nb: [{x: 1}]\nc: 2\n"
    base = "a: 1\nk: v\nlong: folded text\nm: w\nb: [x: 1]\nc: 2\n"  # what ruamel writes back unchanged
    new = base.replace("c: 2", "c: 3")
    assert merge_lines(orig, base, new) == orig.replace("c: 2", "c: 3")
    # an insertion next to lines ruamel rewrote leaves them as written
    new = base.replace("k: v\n", "k: v\nz: 0\n")
    assert merge_lines(orig, base, new) == orig.replace("k: v\n", "k: v\nz: 0\n")
    # a change inside a line ruamel rewrote takes ruamel's form for that line only
    new = base.replace("folded text", "folded TEXT")
    assert merge_lines(orig, base, new) == "a: 1   \nk: v\nlong: folded TEXT\nm: w\nb: [{x: 1}]\nc: 2\n"


def test_json_text_splices_only_what_changed():
    text = '{\n  "a": [1, 2.50, {"b": true}],\n  "plugins": [{\n    "config": {"trace_type": "x", "n": 1e3}\n  }]\n}\n'
    jt = JsonText(text)
    assert jt.render() == text
    jt.data["plugins"][0]["config"]["trace_type"] = "otel"
    assert jt.render() == text.replace('"x"', '"otel"')


def test_json_text_lays_out_new_objects_in_the_file_style():
    text = '{\n    "providers": [\n        {"name": "openai","keys": []}\n    ],\n    "x": {"a": 1,"b": 2}\n}'
    jt = JsonText(text)
    assert jt.unit == "    " and jt.comma == ","
    entry = jt.data["providers"][0]
    del entry["name"]
    jt.data["providers"] = {"openai": entry}
    assert jt.render() == '{\n    "providers": {\n        "openai": {"keys": []}\n    },\n    "x": {"a": 1,"b": 2}\n}'


def test_detect_style():
    assert detect_style("a:\n  b:\n  - c\n") == detect_style("a:\n  b:\n  - c\n")
    s = detect_style("a:\n    b: 1\n    c:\n    - 1\n")
    assert (s.mapping, s.offset, s.sequence) == (4, 0, 2)
    s = detect_style("a:\n  b:\n    - x: |\n        - not a sequence\n      y: 1\n")
    assert (s.mapping, s.offset, s.sequence) == (2, 2, 4)


# ---- every rule says whether it can fix ------------------------------------------------------


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_docs_state_autofix(rule):
    """"Autofix: yes" in the docs <-> a fix method <-> golden tests in tests/fixtures_fix/CODE/."""
    from infergw_lint.rule import FIX_APPLICABILITY

    fix = rule.docs.sections.get("Fix", "")
    last = fix.strip().split("\n\n")[-1].strip() if fix.strip() else ""
    assert last.startswith("Autofix:"), f"{rule.code}: the Fix section must end with an 'Autofix: ...' paragraph"
    says_yes = last.lower().startswith("autofix: yes")
    assert says_yes == rule.fixable, f"{rule.code}: docs say {last!r} but the rule {'has' if rule.fixable else 'has no'} fix method"
    golden = {c.values[0] for c in _cases()}
    assert rule.fixable == (rule.code in golden), (
        f"{rule.code}: {'a fix method without' if rule.fixable else 'golden fix tests without'} "
        f"{'golden fix tests in tests/fixtures_fix/' + rule.code if rule.fixable else 'a fix method'}"
    )
    assert rule.fix_applicability in FIX_APPLICABILITY, f"{rule.code}: fix_applicability {rule.fix_applicability!r}"
    if rule.fixable:
        title = rule.fix_title
        assert title and "\n" not in title and title[0].isupper() and not title.endswith("."), (
            f"{rule.code}: fix_title must be one imperative line ({title!r})"
        )


def test_findings_from_rendered_overlays_are_never_fixed(tmp_path):
    """A kustomize/helm finding names the source file but a path in the rendered resource:
    the fixer refuses it instead of editing the wrong document."""
    from infergw_lint.engine import Result
    from infergw_lint.fix import apply_fixes
    from infergw_lint.rule import Finding
    from infergw_lint.source import Span

    src = tmp_path / "base.yaml"
    src.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    before = src.read_bytes()
    f = Finding("IGW202", "bifrost-otel-trace-type", "error", "m", str(src), Span(1, 1, 1, 2),
                field=("data", "config.json", "plugins", 0, "config", "trace_type"), rendered=True)
    report = apply_fixes(Result([f], 1, 1, []), write=True)
    assert src.read_bytes() == before
    assert any("kustomize/helm output" in reason for ff in report.files for _, reason in ff.refused)
