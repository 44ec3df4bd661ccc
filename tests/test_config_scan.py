"""config._may_hold_section: a pyproject.toml that cannot hold [tool.infergw-lint] is not
parsed (no tomllib, no typing: ~9% of a small run), and one that can hold it always is.
Checked against tomllib itself over generated TOML texts, every way of writing the section
among them."""

from __future__ import annotations

import os
import random

import pytest

from infergw_lint.config import _may_hold_section

from fresh import imported_by_run

tomllib = pytest.importorskip("tomllib")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADERS = [
    "[tool]", "[tool.infergw-lint]", "[project]", "[project.scripts]", '[tool."infergw-lint"]',
    "[ tool . infergw-lint . rules ]", "[[tool.x]]", "[tool.ruff]", "['tool']", '["tool"]', "[a.'b.c']",
    "[project.urls]  # infergw-lint", "[[tool.infergw-lint.rule]]", "[tool.'infergw-lint']", "[x.tool]",
    "[\ttool\t]", "[tool.infergw-lint-x]", "[infergw-lint]",
]
KEYS = [
    "infergw-lint", '"infergw-lint"', "'infergw-lint'", "tool.infergw-lint", "name", "a.b", '"a=b"',
    "infergw-lint.env", "tool", "tool . 'infergw-lint'", "x.infergw-lint", '"tool".infergw-lint', "k",
    '"a\\"b"', "infergw-lint-x", "tool.'infergw-lint'.rules",
]
VALUES = [
    '"infergw-lint"', "'x'", "1", "{infergw-lint = 1}", '{ "infergw-lint" = {env = "prod"} }', "[\n  [1],\n  [2]\n]",
    '[\n "infergw-lint",\n]', '"a # b"', "{}", "[ {a = 1}, {b = 2} ]", '"quote \\" infergw-lint"',
    "true # infergw-lint comment", '"""\n[tool.infergw-lint]\n"""', "'''\ninfergw-lint = 1\n'''", '{env = "prod"}',
    "{ infergw-lint.env = 'p' }", "[ { 'infergw-lint' = 1 } ]", "'infergw-lint = 1'", "[\n  # infergw-lint\n  1,\n]",
    '{a = {infergw-lint = 2}}', '"\\u0069nfergw-lint"', "[\n  { infergw-lint = 1 },\n]", '"[tool.infergw-lint]"',
    "1979-05-27T07:32:00Z", "[\n  'a', # ]\n  'b',\n]",
]
OTHER_LINES = ["", "# infergw-lint", "# [tool.infergw-lint]", "   ", "\t# x"]


def generated(seed: int, n: int):
    rng = random.Random(seed)
    for _ in range(n):
        lines = []
        for _ in range(rng.randint(1, 7)):
            r = rng.random()
            if r < 0.3:
                lines.append(rng.choice(HEADERS))
            elif r < 0.9:
                lines.append(f"{rng.choice(KEYS)} = {rng.choice(VALUES)}")
            else:
                lines.append(rng.choice(OTHER_LINES))
        yield "\n".join(lines) + rng.choice(["\n", "", "\n\n"])


def has_section(text: str) -> bool | None:
    """Does tomllib find a [tool.infergw-lint] table (None: not TOML)?"""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    tool = data.get("tool")
    return isinstance(tool, dict) and "infergw-lint" in tool


def test_never_says_no_to_a_text_that_holds_the_section():
    parsed = held = passed_over = 0
    for text in generated(20, 30_000):
        has = has_section(text)
        if has is None:
            continue
        parsed += 1
        held += has
        may = _may_hold_section(text.encode())
        if has:
            assert may, text
        passed_over += not may
    # enough of each: texts with the section, and texts that are passed over
    assert parsed > 10_000 and held > 3_000 and passed_over > 3_000


@pytest.mark.parametrize("text", [
    '[tool.infergw-lint]\nenv = "prod"\n', '[tool]\ninfergw-lint = {env = "prod"}\n', 'tool.infergw-lint.env = "prod"\n',
    'tool = {infergw-lint = {env = "prod"}}\n', 'tool = { "infergw-lint" = {} }\n', '[ tool . "infergw-lint" ]\n',
    "[tool]\n'infergw-lint'.env = 1\n", '[tool]\nx = [\n  [1],\n  [2]\n]\ninfergw-lint = {}\n',
    '[tool]\nx = [\n  "]", # [\n]\ninfergw-lint = {}\n', '[tool]\r\ninfergw-lint = {}\r\n',
    '[project]\nname = "x"\n[tool."\\u0069nfergw-lint"]\n', "[[tool.infergw-lint.rules]]\nx = 1\n",
])
def test_the_ways_of_writing_the_section(text):
    assert has_section(text)
    assert _may_hold_section(text.encode())


@pytest.mark.parametrize("text", [
    '[project]\nname = "infergw-lint"\n', '[project.scripts]\ninfergw-lint = "infergw_lint.cli:console_main"\n',
    '[project.urls]\nHome = "https://github.com/infergw/infergw-lint"\n',
    '[project]\ndependencies = ["infergw-lint>=1"]\n[tool.ruff]\nline-length = 120\n',
    '# run infergw-lint in CI\n[tool.pytest.ini_options]\naddopts = "-p infergw-lint"\n',
    '[tool.ruff]\nextend = "infergw-lint.toml"  # [tool.infergw-lint]\n',
])
def test_texts_that_only_name_it_are_passed_over(text):
    assert has_section(text) is False
    assert not _may_hold_section(text.encode())


def test_the_projects_own_pyproject_is_passed_over():
    """It names infergw-lint (the project, its script, its URLs), without a section: a run
    over the project's files needs no TOML parser."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        raw = fh.read()
    assert b"infergw-lint" in raw and has_section(raw.decode()) is False
    assert not _may_hold_section(raw)
    assert not imported_by_run(["sample_manifests/good/40-routes.yaml"], "tomllib")
