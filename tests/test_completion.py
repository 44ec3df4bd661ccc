"""``infergw-lint completion bash|zsh|fish``: generated from the parsers, syntax-checked by
each shell (zsh and fish when installed), and exercised in bash and fish."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from infergw_lint import completion
from infergw_lint.cli import SUBCOMMANDS, build_parser, main
from infergw_lint.reporters import FORMATS
from infergw_lint.rules import all_rules


def _script(shell: str, capsys) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


def _long_flags(parser) -> set:
    return {f for a in parser._actions for f in a.option_strings if f.startswith("--")}


def test_every_subcommand_and_flag_is_listed(capsys):
    parsers = completion.parsers()
    assert set(parsers) == set(SUBCOMMANDS)
    assert "completion" in SUBCOMMANDS
    for shell in completion.SHELLS:
        text = _script(shell, capsys)
        for name in SUBCOMMANDS:
            assert name in text, (shell, name)
        for name, parser in parsers.items():
            for flag in _long_flags(parser):
                token = flag if shell != "fish" else f"-l {flag[2:]}"
                assert token in text, (shell, name, flag)
        for fmt in FORMATS:
            assert fmt in text
        assert all_rules()[0].code in text
    # the lint parser is the real one: a flag added there shows up without touching completion.py
    assert _long_flags(parsers["lint"]) == _long_flags(build_parser())


def test_usage_errors(capsys):
    assert main(["completion"]) == 2
    assert main(["completion", "powershell"]) == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.fixture
def bash_script(tmp_path, capsys):
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    path = tmp_path / "infergw-lint.bash"
    path.write_text(_script("bash", capsys))
    return path


def test_bash_parses_it(bash_script):
    proc = subprocess.run(["bash", "-n", str(bash_script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def _bash_complete(script, tmp_path, *words) -> list:
    words_q = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    code = (
        f"source {script}\n"
        f"COMP_WORDS=({words_q}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); COMPREPLY=()\n"
        "_infergw_lint_complete\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return [w for w in proc.stdout.splitlines() if w]


def test_bash_completes_commands_flags_choices_and_codes(bash_script, tmp_path):
    (tmp_path / "manifests").mkdir()
    got = _bash_complete(bash_script, tmp_path, "infergw-lint", "")
    assert set(SUBCOMMANDS) <= set(got) and "manifests" in got
    assert _bash_complete(bash_script, tmp_path, "infergw-lint", "--for") == ["--format"]
    assert _bash_complete(bash_script, tmp_path, "infergw-lint", "--format", "") == list(FORMATS)
    assert _bash_complete(bash_script, tmp_path, "infergw-lint", "--fail-on", "w") == ["warning"]
    assert _bash_complete(bash_script, tmp_path, "infergw-lint", "explain", "IGW40") == ["IGW401", "IGW402"]
    assert _bash_complete(bash_script, tmp_path, "infergw-lint", "--select", "IGW20") == [
        r.code for r in all_rules() if r.code.startswith("IGW20")
    ]
    assert _bash_complete(bash_script, tmp_path, "infergw-lint", "completion", "") == list(completion.SHELLS)
    assert "--builtin" in _bash_complete(bash_script, tmp_path, "infergw-lint", "test", "--")
    assert _bash_complete(bash_script, tmp_path, "infergw-lint", "--context", "man") == ["manifests"]


def test_zsh_parses_it(tmp_path, capsys):
    text = _script("zsh", capsys)
    assert text.startswith("#compdef infergw-lint\n")
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed (apt-get install zsh): string checks only")
    path = tmp_path / "_infergw-lint"
    path.write_text(text)
    proc = subprocess.run(["zsh", "-n", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # and it loads: compinit, then the function is defined and registered for the command
    code = f"autoload -Uz compinit && compinit -u -D; source {path}; print -r -- ${{_comps[infergw-lint]}}"
    proc = subprocess.run(["zsh", "-f", "-c", code], capture_output=True, text=True, env={**os.environ, "HOME": str(tmp_path)})
    assert proc.returncode == 0 and proc.stdout.strip() == "_infergw_lint", proc.stdout + proc.stderr


def test_fish_parses_and_completes(tmp_path, capsys):
    text = _script("fish", capsys)
    assert "complete -c infergw-lint" in text
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed (apt-get install fish): string checks only")
    path = tmp_path / "infergw-lint.fish"
    path.write_text(text)
    proc = subprocess.run(["fish", "-n", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}

    def complete(line):
        code = f"source {path}; complete -C {line!r}"
        proc = subprocess.run(["fish", "--no-config", "-c", code], capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        return [ln.split("\t")[0] for ln in proc.stdout.splitlines()]

    assert set(SUBCOMMANDS) - {"lint"} <= set(complete("infergw-lint "))
    assert sorted(complete("infergw-lint --format ")) == sorted(FORMATS)
    assert set(complete("infergw-lint explain IGW40")) == {"IGW401", "IGW402"}
    assert "--builtin" in complete("infergw-lint test --")
