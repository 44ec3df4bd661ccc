"""Misuse fails loudly: one test per mistake, with its exit code and its message."""

from __future__ import annotations

import io
import json
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout

import pytest

from infergw_lint.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIFROST = os.path.join(ROOT, "sample_manifests", "bad", "50-bifrost.yaml")


def cli(*args, cwd=None):
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd or ROOT)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def tree(tmp_path):
    shutil.copy(BIFROST, tmp_path / "50-bifrost.yaml")
    return tmp_path


# ---- unknown rules ---------------------------------------------------------------------------


def test_select_with_an_unknown_prefix_exits_2_with_did_you_mean(tree):
    code, out, err = cli("--select", "IGW9", ".", cwd=tree)
    assert code == 2 and out == ""
    assert "--select: unknown rule 'IGW9'" in err and "did you mean IGW0, IGW1, IGW2" in err


def test_select_with_an_unknown_code_among_good_ones(tree):
    code, _, err = cli("--select", "IGW201,IGW2O2", ".", cwd=tree)
    assert code == 2 and "unknown rule 'IGW2O2' (did you mean 'IGW2" in err  # IGW202 or IGW212: equally close


def test_ignore_with_a_misspelled_name(tree):
    code, _, err = cli("--ignore", "missing-refrence-grant", ".", cwd=tree)
    assert code == 2 and "--ignore: unknown rule 'missing-refrence-grant' (did you mean 'missing-reference-grant'?)" in err


def test_config_select_with_an_unknown_rule(tree):
    (tree / ".infergw-lint.yaml").write_text("select: [IGW20x]\n")
    code, _, err = cli(".", cwd=tree)
    assert code == 2 and ".infergw-lint.yaml: unknown rule 'IGW20x' (did you mean" in err


def test_config_rules_section_with_an_unknown_rule(tree):
    (tree / ".infergw-lint.yaml").write_text("rules:\n  inline-secrets: warning\n")
    code, _, err = cli(".", cwd=tree)
    assert code == 2 and "unknown rule 'inline-secrets' (did you mean 'inline-secret'?)" in err


def test_known_prefixes_and_names_still_work(tree):
    code, out, _ = cli("--format", "json", "--select", "igw2,duplicate-key", "--ignore", "IGW207", ".", cwd=tree)
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert code == 1 and "IGW001" in rules and "IGW201" in rules and "IGW207" not in rules


def test_explain_an_unknown_rule(tree):
    code, _, err = cli("explain", "missing-grant")
    assert code == 2 and "no rule 'missing-grant' (did you mean 'missing-reference-grant'?)" in err


# ---- outputs --------------------------------------------------------------------------------


def test_output_twice_for_one_format(tree):
    code, _, err = cli("-f", "json", "-o", "a.json", "-o", "b.json", ".", cwd=tree)
    assert code == 2 and "-o b.json: --format json already writes to a.json" in err
    assert not (tree / "a.json").exists() and not (tree / "b.json").exists()


def test_two_formats_to_one_file(tree):
    code, _, err = cli("-f", "json", "-o", "r.out", "-f", "sarif", "-o", "r.out", ".", cwd=tree)
    assert code == 2 and "two --format reports would go to one --output file" in err


def test_output_files_are_never_linted(tree):
    code, _, _ = cli("-f", "json", "-o", "findings.json", "-f", "sarif", "-o", "findings.sarif", ".", cwd=tree)
    assert code == 1
    first = json.loads((tree / "findings.json").read_text())
    # the second run finds the reports in the directory and leaves them alone
    code, _, err = cli("-f", "json", "-o", "findings.json", ".", cwd=tree)
    again = json.loads((tree / "findings.json").read_text())
    assert {os.path.normpath(f["path"]) for f in again["findings"]} == {"50-bifrost.yaml"}
    assert again["summary"]["files"] == first["summary"]["files"] == 1
    # named on the command line: a note, not a finding
    code, out, err = cli("-f", "json", "-o", "findings.json", ".", "findings.json", cwd=tree)
    assert "findings.json: not linted: it is the --output file of this run" in err


def test_the_baseline_file_is_never_linted(tree):
    code, _, err = cli("--write-baseline", "baseline.json", ".", cwd=tree)
    assert code == 0 and "wrote" in err
    code, out, err = cli("--format", "json", "--baseline", "baseline.json", ".", "baseline.json", cwd=tree)
    data = json.loads(out)
    assert code == 0 and data["summary"]["files"] == 1
    assert all(os.path.normpath(f["path"]) == "50-bifrost.yaml" for f in data["findings"])
    assert "baseline.json: not linted: it is the --baseline file" in err


def test_a_named_file_that_is_not_a_manifest_gives_a_note(tree):
    (tree / "README.md").write_text("# Gateway\n\n- item\nkey: value\n  - bad: [\n")
    (tree / "LICENSE").write_text("Apache License\nVersion 2.0\n")
    code, out, err = cli("--format", "json", "README.md", "LICENSE", cwd=tree)
    data = json.loads(out)
    assert code == 0 and data["findings"] == [] and data["summary"]["files"] == 0
    assert "README.md: not linted: not a YAML or JSON file by its name" in err
    assert "LICENSE: not linted" in err and "IGW000" not in out


# ---- flags and subcommands ---------------------------------------------------------------------


def test_a_flag_the_subcommand_does_not_take_is_named():
    code, _, err = cli("rules", "--env", "prod")
    assert code == 2 and "--env is not an option of `infergw-lint rules` (it belongs to `infergw-lint`)" in err
    code, _, err = cli("routes", "--fix", "sample_manifests/good")
    assert code == 2 and "--fix is not an option of `infergw-lint routes`" in err
    code, _, err = cli("sample_manifests/good", "--no-pager")
    assert code == 2 and "--no-pager is not an option of `infergw-lint` (it belongs to `infergw-lint explain`)" in err


def test_a_mistyped_flag_gets_a_did_you_mean():
    code, _, err = cli("--fial-on", "warning", "sample_manifests/good")
    assert code == 2 and "--fial-on is not an option of `infergw-lint` (did you mean --fail-on?)" in err


def test_rules_takes_format_and_output(tmp_path):
    code, out, _ = cli("rules", "-f", "json")
    assert code == 0 and {r["code"] for r in json.loads(out)} >= {"IGW101", "IGW402"}
    code, _, _ = cli("rules", "--format", "markdown", "-o", str(tmp_path / "rules.md"))
    assert code == 0 and (tmp_path / "rules.md").read_text().startswith("| code | name |")


# ---- routes --fail-on ---------------------------------------------------------------------------


def test_routes_fail_on_broken():
    code, _, _ = cli("routes", "--fail-on", "broken", "sample_manifests/bad")
    assert code == 1
    code, _, _ = cli("routes", "--fail-on", "broken", "sample_manifests/good")
    assert code == 0
    code, _, _ = cli("routes", "sample_manifests/bad")
    assert code == 0  # the default: the map is information
    code, _, err = cli("routes", "--fail-on", "sometimes", "sample_manifests/bad")
    assert code == 2 and "invalid choice" in err


def test_statistics_without_the_text_format():
    code, out, err = cli("--statistics", "--format", "json", "sample_manifests/good")
    assert code == 2 and out == "" and "--statistics is a view of the text output" in err
