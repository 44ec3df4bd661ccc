"""Hostile and odd inputs: each gets a clear finding or note with its location and the
right exit code, never a traceback, and every other file is still linted.

A known finding is planted beside the odd file in most tests (a Bifrost config with
``providers`` as an array: IGW201 on the ``providers`` key) to show the rest of the tree
is still linted.  Inputs that could crash the interpreter (deep nesting, alias bombs)
are linted in a child process, so a crash fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from infergw_lint.cli import main
from infergw_lint.loader import MAX_FILE_BYTES, LoadResult, load, parse_source
from infergw_lint.source import SourceFile

PLANTED = '{"providers": [], "plugins": []}\n'  # IGW201 at 1:2
CHILD_TIMEOUT = 300  # a hang guard for child processes, not a performance assertion


@pytest.fixture
def tree(tmp_path):
    """A directory holding the planted finding; tests add the odd file beside it."""
    (tmp_path / "config.json").write_text(PLANTED)
    return tmp_path


def run_cli(capsys, *args):
    """infergw-lint in this process: (exit code, JSON report, stderr)."""
    code = main(["--no-config", "--format", "json", *map(str, args)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    report = json.loads(captured.out) if captured.out.strip() else None
    return code, report, captured.err


def run_child(*args, stdin: bytes | None = None):
    """infergw-lint in a child process: (exit code, JSON report or None, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", "--no-config", "--format", "json", *map(str, args)],
        input=stdin, capture_output=True, timeout=CHILD_TIMEOUT,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode >= 0, f"the interpreter died with signal {-proc.returncode}: {err[-2000:]}"
    assert "Traceback" not in err, err[-4000:]
    out = proc.stdout.decode("utf-8")
    return proc.returncode, (json.loads(out) if out.strip() else None), err


def findings(report, path=None):
    """[(rule, basename, line, column)] of a report, optionally for one file only."""
    out = []
    for f in report["findings"]:
        if path is None or f["path"] == str(path):
            out.append((f["rule"], os.path.basename(f["path"]), f["line"], f["column"]))
    return out


def planted_still_found(report):
    assert ("IGW201", "config.json", 1, 2) in findings(report), report["findings"]


def parse(text: str, path: str = "x.yaml") -> LoadResult:
    result = LoadResult()
    parse_source(SourceFile(path, text), result)
    return result


# --------------------------------------------------------------------------------------
# syntax


def test_invalid_yaml_is_located_and_others_still_linted(tree, capsys):
    (tree / "bad.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n")
    code, report, _ = run_cli(capsys, tree)
    assert code == 1
    (igw000,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert igw000["path"].endswith("bad.yaml") and "invalid YAML" in igw000["message"]
    assert igw000["line"] == 5  # the end of input, where the flow sequence should have closed
    planted_still_found(report)


def test_invalid_json_is_located(tree, capsys):
    (tree / "bad.json").write_text('{\n  "a": [1, 2,],\n  "b": 1\n}\n')
    code, report, _ = run_cli(capsys, tree)
    assert code == 1
    assert ("IGW000", "bad.json", 2, 14) in findings(report)  # the "]" after the trailing comma
    planted_still_found(report)


def test_tab_indented_file_names_the_tab(tree, capsys):
    (tree / "tabs.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n")
    code, report, _ = run_cli(capsys, tree)
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert (f["line"], f["column"]) == (4, 1)
    assert "tab" in f["message"] and "spaces" in f["message"]
    planted_still_found(report)


def test_duplicate_keys_in_yaml_json_and_embedded_json(tree, capsys):
    (tree / "dup.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
        "data:\n  config.json: |\n    {\"x\": 1, \"x\": 2}\n"
    )
    (tree / "dup.json").write_text('{"models": [], "models": []}')
    code, report, _ = run_cli(capsys, tree)
    assert code == 1
    got = {(r, name, line, col) for r, name, line, col in findings(report) if r == "IGW001"}
    assert got == {("IGW001", "dup.yaml", 5, 3), ("IGW001", "dup.yaml", 8, 14), ("IGW001", "dup.json", 1, 16)}
    planted_still_found(report)


def test_many_duplicate_keys_stay_linear_and_capped():
    text = "a: 1\n" * 20_000 + "b: 2\n"
    result = parse(text)
    dups = [p for p in result.problems if p.code == "IGW001"]
    assert 0 < len(dups) <= 100
    assert dups[0].span.line == 2 and "first at line 1" in dups[0].message


def test_list_of_resources_is_a_finding_and_its_items_are_linted(tree, capsys):
    (tree / "list.yaml").write_text(
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: bifrost}\n"
        "  data:\n    config.json: '{\"providers\": [], \"plugins\": []}'\n"
    )
    code, report, _ = run_cli(capsys, tree)
    got = findings(report, tree / "list.yaml")
    assert ("IGW000", "list.yaml", 1, 1) in got
    assert any(r == "IGW201" and line == 5 for r, _, line, _ in got), got  # the item is still linted
    planted_still_found(report)


@pytest.mark.parametrize(
    "text,what", [("- a\n- b\n", "a list"), ("just a scalar\n", "a scalar"), ("--- 42\n", "a scalar")]
)
def test_list_or_scalar_document_is_one_note(tree, capsys, text, what):
    (tree / "odd.yaml").write_text(text)
    (tree / "odd2.yaml").write_text(text)
    code, report, err = run_cli(capsys, tree)
    assert code == 1  # the planted finding
    assert not findings(report, tree / "odd.yaml")
    notes = [n for n in report["notes"] if "not mappings" in n]
    assert len(notes) == 1 and "2 document(s)" in notes[0] and what in notes[0]
    assert "odd.yaml:1" in notes[0]
    assert "not mappings" in err
    planted_still_found(report)


@pytest.mark.parametrize(
    "blob", [b"", b"---\n", b"---\n---\n...\n", b"# only a comment\n", b"\n\n   \n", b"--- ~\n", b"{}\n"]
)
def test_empty_documents_are_quiet(tmp_path, capsys, blob):
    (tmp_path / "x.yaml").write_bytes(blob)
    (tmp_path / "y.json").write_bytes(b"" if blob.strip() in (b"", b"---") else b"{}")
    code, report, _ = run_cli(capsys, tmp_path)
    assert code == 0 and report["findings"] == []


# --------------------------------------------------------------------------------------
# bytes and encodings


def test_binary_file(tree, capsys):
    (tree / "image.yaml").write_bytes(bytes(range(256)) * 4)
    code, report, _ = run_cli(capsys, tree)
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert "binary" in f["message"] and (f["line"], f["column"]) == (1, 1)
    planted_still_found(report)


def test_non_utf8_bytes_are_located(tree, capsys):
    (tree / "latin1.yaml").write_bytes("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n".encode("latin-1"))
    code, report, _ = run_cli(capsys, tree)
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert (f["line"], f["column"]) == (4, 12)
    assert "not UTF-8" in f["message"] and "0xe9" in f["message"]
    planted_still_found(report)


def test_utf16_file_gets_a_clear_message(tree, capsys):
    (tree / "wide.yaml").write_bytes("apiVersion: v1\nkind: Service\n".encode("utf-16"))
    code, report, _ = run_cli(capsys, tree)
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert "UTF-16" in f["message"] and "UTF-8" in f["message"]
    planted_still_found(report)


def test_utf8_bom_does_not_shift_columns(tmp_path, capsys):
    (tmp_path / "config.json").write_bytes(b"\xef\xbb\xbf" + PLANTED.encode())
    yaml_text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  config.json: '{\"providers\": [], \"plugins\": []}'\n"
    (tmp_path / "cm.yaml").write_bytes(b"\xef\xbb\xbf" + yaml_text.encode())
    code, report, _ = run_cli(capsys, tmp_path)
    assert set(findings(report)) == {("IGW201", "config.json", 1, 2), ("IGW201", "cm.yaml", 5, 18)}


def test_crlf_line_endings_keep_columns(tmp_path, capsys):
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bifrost\ndata:\n  config.json: |\n"
        "    {\n      \"plugins\": [],\n      \"providers\": []\n    }\n"
    )
    (tmp_path / "lf.yaml").write_text(text)
    (tmp_path / "crlf.yaml").write_bytes(text.replace("\n", "\r\n").encode())
    code, report, _ = run_cli(capsys, tmp_path)
    spans = {os.path.basename(f["path"]): (f["line"], f["column"], f["end_line"], f["end_column"])
             for f in report["findings"]}
    assert spans["crlf.yaml"] == spans["lf.yaml"] == (9, 7, 9, 18)


def test_lone_cr_line_endings_count_as_lines(tmp_path, capsys):
    (tmp_path / "cr.yaml").write_bytes(b"apiVersion: v1\rkind: ConfigMap\rmetadata:\r  name: [x\r")
    code, report, _ = run_cli(capsys, tmp_path)
    (f,) = report["findings"]
    assert f["rule"] == "IGW000" and f["line"] == 5


def test_very_long_lines(tmp_path, capsys):
    filler = ", ".join(f'"k{i}": "{"v" * 40}"' for i in range(50_000))  # a ~2.6 MB line
    line = '{"plugins": [], "padding": {' + filler + '}, "providers": []}'
    (tmp_path / "config.json").write_text(line)
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  config.json: '" + line + "'\n"
    (tmp_path / "cm.yaml").write_text(text)
    code, report, _ = run_cli(capsys, "--select", "IGW000,IGW201", tmp_path)
    assert code == 1
    col = line.index('"providers"') + 1
    assert set(findings(report)) == {
        ("IGW201", "config.json", 1, col),
        ("IGW201", "cm.yaml", 5, len("  config.json: '") + col),
    }


# --------------------------------------------------------------------------------------
# hostile YAML


def billion_laughs(levels: int, width: int = 10) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: lol}", "data:",
             f"  l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_without_blowing_up(tree):
    (tree / "lol.yaml").write_text(billion_laughs(12))  # 10**12 nodes once expanded
    code, report, _ = run_child(tree)
    assert code == 1
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert "alias" in f["message"] and f["path"].endswith("lol.yaml")
    planted_still_found(report)


def test_billion_laughs_in_embedded_yaml(tmp_path):
    inner = billion_laughs(12).replace("\n", "\n    ")
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  values.yaml: |\n    " + inner + "\n"
    )
    code, report, _ = run_child(tmp_path)
    assert code == 1
    assert any(f["rule"] == "IGW000" and "alias" in f["message"] for f in report["findings"])


def test_moderate_aliasing_is_linted_by_every_rule(tmp_path):
    # 10**4 strings once expanded: accepted, and no rule (the inline-secret scanner walks
    # every string) trips over the shared structure
    (tmp_path / "aliases.yaml").write_text(billion_laughs(4))
    code, report, _ = run_child(tmp_path)
    assert code in (0, 1) and not any(f["rule"] == "IGW000" for f in report["findings"])


def test_recursive_alias_is_refused(tree, capsys):
    (tree / "loop.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: &d\n  self: *d\n")
    (tree / "merge.yaml").write_text("a: &a\n  b: 1\n  <<: *a\n")
    code, report, _ = run_cli(capsys, tree)
    got = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert {os.path.basename(f["path"]) for f in got} == {"loop.yaml", "merge.yaml"}
    assert all("recursive alias" in f["message"] for f in got)
    planted_still_found(report)


def test_alias_chain_deeper_than_the_limit_is_refused():
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 300)]
    result = parse("\n".join(lines) + "\n")
    assert not result.documents
    assert "deeper" in result.problems[0].message


@pytest.mark.parametrize(
    "name,text",
    [
        ("flow.yaml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("block.yaml", "- " * 100_000 + "x\n"),
        ("maps.yaml", "a: " + "{a: " * 100_000 + "b" + "}" * 100_000 + "\n"),
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("objects.json", '{"a":' * 100_000 + "1" + "}" * 100_000),
        ("justover.yaml", "a: " + "[" * 300 + "]" * 300 + "\n"),
    ],
)
def test_deep_nesting_is_refused_without_crashing(tree, name, text):
    (tree / name).write_text(text)
    code, report, _ = run_child(tree)
    assert code == 1
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert f["path"].endswith(name) and ("nest" in f["message"] or "depth" in f["message"])
    planted_still_found(report)


def test_deep_nesting_without_the_libyaml_limit(monkeypatch):
    """An old libyaml (< 0.2.5) does not stop deep nesting: texts that could nest that deep
    are composed in Python instead, whose recursion is bounded."""
    from infergw_lint import loader

    monkeypatch.setattr(loader, "_C_NEST_LIMIT", False)
    for text in ("- " * 100_000 + "x\n", "a: " + "[" * 100_000 + "]" * 100_000 + "\n"):
        result = parse(text)
        assert not result.documents and result.problems[0].code == "IGW000"
        assert "nested too deeply" in result.problems[0].message
    result = parse("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n")  # ordinary files: the C loader
    assert result.documents[0].name == "a"


def test_deep_nesting_in_embedded_json(tmp_path):
    value = "[" * 5000 + "]" * 5000
    (tmp_path / "cm.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata:\n  config.json: '{value}'\n"
    )
    code, report, _ = run_child(tmp_path)
    (f,) = report["findings"]
    assert f["rule"] == "IGW000" and f["line"] == 5 and "nested" in f["message"]


def test_nesting_within_the_limit_is_linted():
    text = "a: " + "[" * 150 + "]" * 150 + "\n"
    result = parse(text)
    assert result.documents and not result.problems


def test_a_50_mb_file_is_linted(tmp_path, capsys):
    # one big value keeps the test quick; many documents of this size lint too (see README)
    path = tmp_path / "big.yaml"
    chunk = "    " + "x" * 95 + "\n"
    lines = 50 * 1024 * 1024 // len(chunk)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: |\n")
        fh.write(chunk * lines)
        fh.write("  blob: again\n")
    assert path.stat().st_size > 50_000_000
    code, report, _ = run_cli(capsys, "--select", "IGW000,IGW001", path)
    assert code == 1
    ((rule, _, line, col),) = findings(report)
    assert (rule, line, col) == ("IGW001", 7 + lines, 3)


def test_a_file_over_the_size_limit_is_refused(tree, capsys):
    path = tree / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    code, report, _ = run_cli(capsys, tree)
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert "too large" in f["message"] and f["path"].endswith("huge.yaml")
    planted_still_found(report)


def test_unknown_and_python_tags_are_never_constructed(tree, capsys):
    marker = tree / "pwned"
    (tree / "tags.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tags}\ndata:\n"
        f"  a: !!python/object/apply:os.system ['touch {marker}']\n"
        "  b: !!python/name:os.system\n"
        "  c: !!python/object:collections.OrderedDict {x: 1}\n"
        "  d: !Ref Something\n"
        "  e: !!binary aGVsbG8=\n"
        "  f: !!timestamp 2001-12-14t21:59:43.10-05:00\n"
        "  g: !!set {a, b}\n"
        "  h: !!int not-a-number\n"
    )
    code, report, _ = run_cli(capsys, tree)
    assert not marker.exists()
    assert findings(report, tree / "tags.yaml") == []
    result = load([str(tree / "tags.yaml")])
    data = result.documents[0].get("data")
    assert data["a"] == [f"touch {marker}"] and data["b"] == "" and data["d"] == "Something"
    assert data["e"] == "aGVsbG8=" and data["h"] == "not-a-number"
    assert all(isinstance(v, (str, list, dict)) for v in data.values())


# --------------------------------------------------------------------------------------
# files and paths


def test_helm_templates_are_skipped_with_one_note(tree, capsys):
    chart = tree / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    for i in range(20):
        (chart / "templates" / f"t{i}.yaml").write_text(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n"
            "{{- if .Values.x }}\n  labels: {{ toYaml .Values.labels | nindent 4 }}\n{{- end }}\n"
        )
    code, report, err = run_cli(capsys, tree)
    assert not [f for f in report["findings"] if f"{os.sep}templates{os.sep}" in f["path"]]
    notes = [n for n in report["notes"] if "Helm" in n]
    assert len(notes) == 1 and "20" in notes[0]
    assert err.count("Helm template") == 1
    planted_still_found(report)


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.mark.skipif(running_as_root(), reason="root reads files whatever their mode")
def test_unreadable_file(tree, capsys):
    path = tree / "secret.yaml"
    path.write_text("a: 1\n")
    path.chmod(0)
    try:
        code, report, _ = run_cli(capsys, tree)
    finally:
        path.chmod(0o644)
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert "cannot read file" in f["message"] and "ermission" in f["message"]
    planted_still_found(report)


@pytest.mark.skipif(running_as_root(), reason="root reads directories whatever their mode")
def test_unreadable_directory(tree, capsys):
    sub = tree / "locked"
    sub.mkdir()
    (sub / "x.yaml").write_text("a: 1\n")
    sub.chmod(0)
    try:
        code, report, _ = run_cli(capsys, tree)
    finally:
        sub.chmod(0o755)
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert "cannot read directory" in f["message"]
    planted_still_found(report)


def test_unreadable_file_and_directory_simulated(tree, capsys, monkeypatch):
    """The same two cases for any user (root included): the OS refuses the reads."""
    (tree / "secret.yaml").write_text("a: 1\n")
    (tree / "locked").mkdir()
    (tree / "locked" / "x.yaml").write_text("a: 1\n")
    real_open, real_scandir = os.open, os.scandir

    def fake_open(path, *args, **kwargs):  # the loader reads files with os.open / os.read
        if str(path).endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def fake_scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    code, report, _ = run_cli(capsys, tree)
    got = {os.path.basename(f["path"]): f["message"] for f in report["findings"] if f["rule"] == "IGW000"}
    assert got == {
        "secret.yaml": "cannot read file: Permission denied",
        "locked": "cannot read directory: Permission denied; its files were not linted",
    }
    planted_still_found(report)


def test_broken_symlink(tree, capsys):
    (tree / "dangling.yaml").symlink_to(tree / "missing.yaml")
    code, report, _ = run_cli(capsys, tree)
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert "broken symlink" in f["message"] and f["path"].endswith("dangling.yaml")
    planted_still_found(report)


def test_symlink_loops(tree, capsys):
    (tree / "a.yaml").symlink_to(tree / "b.yaml")
    (tree / "b.yaml").symlink_to(tree / "a.yaml")
    (tree / "sub").mkdir()
    (tree / "sub" / "up").symlink_to(tree, target_is_directory=True)  # a directory loop
    code, report, _ = run_cli(capsys, tree)
    got = sorted(os.path.basename(f["path"]) for f in report["findings"] if f["rule"] == "IGW000")
    assert got == ["a.yaml", "b.yaml"]
    assert all("symbolic links" in f["message"] for f in report["findings"] if f["rule"] == "IGW000")
    planted_still_found(report)
    # given directly on the command line
    code, report, _ = run_cli(capsys, tree / "a.yaml")
    assert code == 1 and report["findings"][0]["rule"] == "IGW000"


def test_fifo_is_not_read(tree, capsys):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tree / "pipe.yaml"
    os.mkfifo(fifo)
    code, report, _ = run_cli(capsys, fifo, tree / "config.json")  # opening it would block forever
    (f,) = [f for f in report["findings"] if f["rule"] == "IGW000"]
    assert "not a regular file" in f["message"]
    planted_still_found(report)


def test_missing_path_is_a_usage_error(tree, capsys):
    code = main(["--no-config", str(tree), str(tree / "nope.yaml")])
    captured = capsys.readouterr()
    assert code == 2
    assert "nope.yaml: no such file or directory" in captured.err and "Traceback" not in captured.err


def test_binary_on_stdin():
    code, report, _ = run_child("-", stdin=b"\x00\x01\x02\xff")
    assert code == 1
    (f,) = report["findings"]
    assert f["rule"] == "IGW000" and f["path"] == "-" and "binary" in f["message"]


def test_everything_at_once(tree):
    """All the odd files in one tree: one finding or note each, and the planted finding."""
    (tree / "bad.yaml").write_text("key: [unclosed\n")
    (tree / "bad.json").write_text("{,}")
    (tree / "tabs.yaml").write_text("a:\n\tb: 1\n")
    (tree / "bin.yaml").write_bytes(b"\x00" * 100)
    (tree / "latin1.yaml").write_bytes(b"a: \xe9\n")
    (tree / "lol.yaml").write_text(billion_laughs(9))
    (tree / "deep.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    (tree / "list.yaml").write_text("- 1\n- 2\n")
    (tree / "empty.yaml").write_text("---\n")
    (tree / "dangling.yaml").symlink_to(tree / "nowhere.yaml")
    code, report, err = run_child(tree)
    assert code == 1
    bad = sorted(os.path.basename(f["path"]) for f in report["findings"] if f["rule"] == "IGW000")
    assert bad == sorted(["bad.yaml", "bad.json", "tabs.yaml", "bin.yaml", "latin1.yaml", "lol.yaml",
                          "deep.yaml", "dangling.yaml"])
    assert any("list.yaml:1" in n for n in report["notes"])
    planted_still_found(report)


# --------------------------------------------------------------------------------------
# the benchmark corpus (benchmarks/gen_corpus.py) stays a faithful copy of the samples


def test_benchmark_corpus_copies_keep_their_findings(tmp_path, capsys):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
    try:
        import gen_corpus
    finally:
        sys.path.pop(0)
    info = gen_corpus.generate(str(tmp_path / "corpus"), files=60, docs=200)
    assert info["tenants"] >= 2 and info["files"] > 0
    samples = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sample_manifests")

    def rules_of(path):
        code, report, _ = run_cli(capsys, path)
        return sorted(f["rule"] for f in report["findings"])

    expected = rules_of(os.path.join(samples, "bad"))
    for t in range(1, info["tenants"] + 1):
        tenant = tmp_path / "corpus" / f"t{t:03d}"
        assert rules_of(tenant / "good") == []
        assert rules_of(tenant / "bad") == expected
    # all tenants together: no copy sees another copy's resources
    code, report, _ = run_cli(capsys, tmp_path / "corpus")
    assert len(report["findings"]) == info["tenants"] * len(expected)
