"""The text output people scan: ruff-style headers, code frames, short messages with help,
`[*]` and the fixable count, --statistics, word wrapping, the concise format."""

from __future__ import annotations

import io
import json
import os
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest

from infergw_lint.cli import main
from infergw_lint.engine import Options, run
from infergw_lint.reporters.text import cell_width, render_concise, render_text, wrap
from infergw_lint.rule import SHORT_LIMIT, Rule, report, split_message

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAD = os.path.join("sample_manifests", "bad")
HEADER = re.compile(r"^(\S+):(\d+):(\d+): (IGW\d{3})( \[\*\])?( (.+))?$")


def cli(*args, cwd=ROOT):
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def bad():
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        return run([BAD], Options())
    finally:
        os.chdir(old)


# ---- short messages ------------------------------------------------------------------------


def test_every_message_gets_a_short_first_line(bad):
    for f in bad.findings:
        parts = split_message(f.message)
        assert 0 < len(parts.short) <= SHORT_LIMIT, f.message
        # nothing is lost: the short line and the rest hold every word of the message
        assert " ".join((parts.short + " " + parts.rest).split()).replace(";", "").replace(":", "") \
            .replace(".", "") .split() == " ".join(f.message.split()).replace(";", "").replace(":", "") \
            .replace(".", "").split() or parts.continued


@pytest.mark.parametrize(
    "message,short,rest,continued",
    [
        ("suppression of IGW101 matches no finding; remove it", "suppression of IGW101 matches no finding", "remove it", False),
        ("duplicate key 'app' (first at line 105); Kubernetes rejects it", "duplicate key 'app' (first at line 105)",
         "Kubernetes rejects it", False),
        # a subject before a colon is not a clause: fewer than four words
        ("HTTPRoute ns/r: sectionName 'x' names no listener. The controller says so",
         "HTTPRoute ns/r: sectionName 'x' names no listener", "The controller says so", False),
        # boundaries inside brackets and quotes do not count
        ("value 'a; b' is wrong (see: there; here) and more words", "value 'a; b' is wrong (see: there; here) and more words", "", False),
        ("short and sweet", "short and sweet", "", False),
    ],
)
def test_split_message_rules(message, short, rest, continued):
    assert split_message(message) == (short, rest, continued)


def test_split_message_falls_back_to_a_connective_then_a_space():
    long_clause = "HTTPRoute apps/a backendRef points at Service apps/a, which is not in the linted set although namespace 'apps' is: more"
    parts = split_message(long_clause)
    assert parts.continued and len(parts.short) <= SHORT_LIMIT
    assert parts.short == "HTTPRoute apps/a backendRef points at Service apps/a, which is not in the linted set"
    assert parts.rest.startswith("although namespace 'apps' is")
    words = " ".join(["word"] * 60)
    parts = split_message(words)
    assert parts.continued and len(parts.short) <= SHORT_LIMIT and parts.rest.startswith("word")
    url = "x" * 300
    parts = split_message(url)
    assert len(parts.short) <= SHORT_LIMIT and parts.short + parts.rest == url


def test_json_keeps_the_message_and_adds_help_and_url():
    code, out, _ = cli("--format", "json", "--select", "IGW201,IGW206", BAD)
    findings = json.loads(out)["findings"]
    by_rule = {f["rule"]: f for f in findings}
    f = by_rule["IGW201"]
    assert f["message"].startswith("Bifrost `providers` is an array; Bifrost reads only an object")
    assert f["help"] == "Key each provider by its name ('openai', 'anthropic')"  # the rule's own help
    g = by_rule["IGW206"]  # no help of its own: the message's rest
    assert g["help"] == split_message(g["message"]).rest and g["help"]
    assert f["url"].endswith("/docs/rules/IGW201.md")


def test_a_rules_own_help_wins_and_the_rest_becomes_a_note(tmp_path):
    class Helped(Rule):
        code, name, kinds = "ACME900", "helped", ("ConfigMap",)

        def check(self, doc, ctx):
            yield report(("metadata", "name"), "ConfigMap name is reserved; the controller overwrites it",
                         help="rename it to `app-config`")

    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: reserved\n")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run(["cm.yaml"], Options(extra_rules=[Helped()]), rules=[])
    finally:
        os.chdir(old)
    (f,) = result.findings
    assert f.help == "rename it to `app-config`" and f.to_json()["help"] == f.help
    text = render_text(result, width=100)
    assert text.startswith("cm.yaml:4:9: ACME900 ConfigMap name is reserved\n")
    assert "= note: the controller overwrites it" in text and "= help: rename it to `app-config`" in text


# ---- the full layout -------------------------------------------------------------------------


def test_header_frame_help_and_fixable_count():
    code, out, _ = cli("--select", "IGW201", BAD)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "sample_manifests/bad/50-bifrost.yaml:25:7: IGW201 [*] Bifrost `providers` is an array"
    frame = "\n".join(lines[1:10])
    assert "25 |       \"providers\": [\n   |       ^^^^^^^^^^^ error" in frame
    assert lines[1] == "   |" and lines[2].startswith("23 |")  # two lines of context before
    assert any(ln.startswith("   = note: Bifrost reads only an object keyed by provider name") for ln in lines)
    assert "   = help: Key each provider by its name ('openai', 'anthropic')" in lines
    assert "   = help: see https://github.com/infergw/infergw-lint/blob/main/docs/rules/IGW201.md" in lines
    assert lines[-1] == "[*] 1 fixable with `--fix`"


def test_findings_that_cannot_be_fixed_have_no_marker_and_no_count():
    code, out, _ = cli("--select", "IGW101", BAD)
    # path and message do not fit 120 columns together: the message gets a line of its own
    assert out.splitlines()[:2] == [
        "sample_manifests/bad/40-routes.yaml:40:11: IGW101",
        "    no ReferenceGrant allows the reference to Service ai-external/bifrost-service",
    ]
    assert "[*]" not in out and "fixable" not in out


def test_a_span_over_several_lines_is_drawn_from_its_first_to_its_last_character():
    code, out, _ = cli("--select", "IGW101", BAD)
    assert (
        "40 |           - name: bifrost-service\n"
        "   |  ___________^\n"
        "41 | |           namespace: ai-external\n"
        "42 | |           port: 8080\n"
        "   | |____________________^ error\n"
    ) in out


def test_every_line_fits_the_width_and_no_word_is_broken(bad):
    for width in (80, 120):
        text = render_text(bad, width=width)
        for line in text.splitlines():
            if re.match(r"^\s*\d+ \| ", line) or re.match(r"^\s+\| ", line):
                continue  # source lines are cut (never wrapped), checked below
            words = line.split()
            if len(words) == 1 or (line.lstrip().startswith("= help: see ") and "https://" in line):
                continue  # one word longer than the line (a URL) keeps its line
            assert cell_width(line) <= width, line
    # wrapping keeps every word of the help whole
    f = next(f for f in bad.findings if f.rule == "IGW402")
    text = render_text(bad, width=80)
    block = text.split("IGW402")[1].split("see https://")[0]
    joined = " ".join(ln.strip().removeprefix("= help:").strip() for ln in block.splitlines() if "= help:" in ln or ln.startswith("           "))
    for word in f.help.split():
        assert word in joined


def test_no_show_source_and_statistics():
    code, out, _ = cli("--no-show-source", "--select", "IGW201", BAD)
    assert " | " not in out and out.splitlines()[1].startswith("   = note: ")
    code, out, _ = cli("--statistics", BAD)
    lines = out.splitlines()
    assert re.fullmatch(r"3  IGW110  \[ \] llm-route-timeout", lines[0])  # the most frequent rule first
    assert any(re.fullmatch(r"2  IGW105  \[ \] conflicting-route-match", ln) for ln in lines)
    assert any(re.fullmatch(r"1  IGW201  \[\*\] bifrost-providers-not-map", ln) for ln in lines)
    assert not any(HEADER.match(ln) for ln in lines)
    assert lines[-1] == "[*] 9 fixable with `--fix`"  # + IGW210, IGW211 in 52-bifrost-next.yaml


def test_concise_is_one_line_per_finding(bad):
    text = render_concise(bad)
    first = text.splitlines()[0]
    assert re.match(r"^sample_manifests/bad/10-gatewayclass\.yaml:7:19  IGW107  error  controllerName 'kgateway.dev/kgateway-controller'", first)
    assert " | " not in text


def test_github_format_has_no_code_frames():
    code, out, _ = cli("--format", "github", "--select", "IGW201", BAD)
    assert " | " not in out and out.startswith("::error ")


# ---- hostile and unusual source ------------------------------------------------------------


def test_control_and_bidi_characters_are_escaped_everywhere(tmp_path):
    evil = tmp_path / "evil\x1b[31m.yaml"
    evil.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bifrost\ndata:\n"
        "  config.json: '{\"providers\": [], \"plugins\": [], \"x\": \"\u202e\x07\"}'\n"
    )
    code, out, err = cli("--no-config", str(evil))
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\x1b" in out or "\\u001b" in out


def test_wide_characters_keep_the_caret_aligned(tmp_path):
    f = tmp_path / "config.json"
    f.write_text('{"설명": "한국어", "providers": [], "plugins": []}\n', encoding="utf-8")
    code, out, _ = cli("--no-config", "--select", "IGW201", str(f))
    lines = out.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("1 | "))
    src, caret = lines[i], lines[i + 1]
    assert caret.index("^") == cell_width(src[: src.index('"providers"')])  # in terminal cells


def test_a_very_long_line_is_shown_as_a_window_around_the_span(tmp_path):
    f = tmp_path / "config.json"
    f.write_text('{"a": "' + "x" * 5000 + '", "providers": [], "plugins": []}\n')
    code, out, _ = cli("--no-config", "--select", "IGW201", str(f))
    src = next(ln for ln in out.splitlines() if ln.startswith("1 | "))
    caret = next(ln for ln in out.splitlines() if "^" in ln)
    assert len(src) <= 120 and src[caret.index("^"):].startswith('"providers"')
    assert "…" in src


def test_wrap_never_breaks_a_word():
    assert wrap("a " + "x" * 50 + " b", 20) == ["a", "x" * 50, "b"]
    assert wrap("alpha beta gamma delta epsilon zeta", 22) == ["alpha beta gamma delta", "epsilon zeta"]
    assert wrap("alpha beta gamma delta epsilon zeta", 40, first=18, indent=4) == ["alpha beta gamma delta", "epsilon zeta"]
