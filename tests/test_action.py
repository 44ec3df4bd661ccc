"""The composite GitHub Action (action.yml at the repository root), run locally.

The test reads action.yml, checks its shape (inputs, the setup-python and upload-sarif
steps, no ``${{ }}`` spliced into a shell script), then runs each ``run:`` step with bash as
the runner would: inputs and ``github.action_path`` substituted into the step's ``env``,
``GITHUB_OUTPUT`` a file.  The install step's ``python -m pip install`` goes to a stand-in
``python`` that records its arguments instead of downloading (installing would need the
network); every other command, the lint step included, runs the real installed
``infergw-lint`` console script.  The ``uses:`` steps (setup-python, upload-sarif) are
GitHub's own actions and are not run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASH = shutil.which("bash")
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

pytestmark = pytest.mark.skipif(BASH is None, reason="bash runs the action's steps")


@pytest.fixture(scope="module")
def action():
    with open(os.path.join(ROOT, "action.yml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _console_script() -> str:
    exe = shutil.which("infergw-lint", path=os.path.dirname(sys.executable)) or shutil.which("infergw-lint")
    assert exe, "the infergw-lint console script is not installed"
    return exe


def _substitute(value: str, inputs: dict) -> str:
    def one(m):
        expr = m.group(1)
        if expr.startswith("inputs."):
            return str(inputs[expr[len("inputs."):]])
        if expr == "github.action_path":
            return ROOT
        raise AssertionError(f"unexpected expression in a step's env: {expr}")

    return EXPR.sub(one, str(value))


def _inputs(action, **overrides) -> dict:
    out = {k: v.get("default", "") for k, v in action["inputs"].items()}
    out.update(overrides)
    return out


@pytest.fixture
def runner(tmp_path, action):
    """run(step_name, **inputs) -> (exit code, stdout, stderr, outputs, pip log)."""
    shim = tmp_path / "bin"
    shim.mkdir()
    pip_log = tmp_path / "pip.json"
    (shim / "python").write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "if sys.argv[1:3] == ['-m', 'pip']:\n"
        f"    open({str(pip_log)!r}, 'a').write(json.dumps(sys.argv[3:]) + '\\n')\n"
        "    sys.exit(0)\n"
        f"os.execv({sys.executable!r}, [{sys.executable!r}] + sys.argv[1:])\n"
    )
    (shim / "python").chmod(0o755)
    os.symlink(_console_script(), shim / "infergw-lint")

    def run(name, cwd=ROOT, **overrides):
        step = next(s for s in action["runs"]["steps"] if s.get("name") == name)
        assert step["shell"] == "bash"
        inputs = _inputs(action, **overrides)
        out_file = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
        out_file.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INFERGW_LINT_"))}
        env.update({k: _substitute(v, inputs) for k, v in (step.get("env") or {}).items()})
        env.update(PATH=str(shim) + os.pathsep + env.get("PATH", ""), GITHUB_OUTPUT=str(out_file), NO_COLOR="1")
        # the runner's bash invocation for `shell: bash`
        proc = subprocess.run([BASH, "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
        outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
        pips = [json.loads(x) for x in pip_log.read_text().splitlines()] if pip_log.exists() else []
        return proc.returncode, proc.stdout, proc.stderr, outputs, pips

    return run


def test_action_shape(action):
    assert action["runs"]["using"] == "composite"
    assert {"paths", "version", "args", "upload-sarif"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert uses == ["actions/setup-python", "github/codeql-action/upload-sarif"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert "inputs.upload-sarif == 'true'" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    for step in steps:
        if "run" in step:  # inputs reach scripts only through env: no script injection
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.lint.outputs.exit-code }}"


def test_install_step_installs_the_action_checkout_or_a_release(runner):
    code, out, err, _, pips = runner("Install infergw-lint")
    assert code == 0, err
    assert pips == [["install", "--disable-pip-version-check", "--quiet", ROOT]]
    assert out.startswith("infergw-lint ")  # the console script answers --version
    code, _, err, _, pips = runner("Install infergw-lint", version="v0.1.0")
    assert code == 0, err
    assert pips[-1][-1] == "infergw-lint==0.1.0"


def test_lint_step_writes_sarif_and_annotations(runner, tmp_path):
    sarif = tmp_path / "out.sarif"
    code, out, err, outputs, _ = runner("Lint", paths="sample_manifests/bad", **{"sarif-file": str(sarif)})
    assert code == 0, err  # findings do not stop the job before the upload step
    assert outputs["exit-code"] == "1"
    assert re.search(r"^::error file=sample_manifests/bad/", out, re.M)
    run = json.loads(sarif.read_text())["runs"][0]
    assert run["results"] and run["automationDetails"] == {"id": "infergw-lint/"}


def test_lint_step_passes_args_and_several_paths(runner, tmp_path):
    sarif = tmp_path / "o.sarif"
    code, out, err, outputs, _ = runner(
        "Lint", paths="sample_manifests/good  sample_manifests/bad/20-gateway.yaml",
        args="--select IGW401 --env prod", category="prod", **{"sarif-file": str(sarif)},
    )
    assert code == 0, err and outputs["exit-code"] == "1"
    run = json.loads(sarif.read_text())["runs"][0]
    assert {r["ruleId"] for r in run["results"]} == {"IGW401"}
    assert run["automationDetails"]["id"] == "prod/"
    code, _, err, outputs, _ = runner("Lint", paths="sample_manifests/good", **{"sarif-file": str(sarif)})
    assert code == 0 and outputs["exit-code"] == "0"


def test_lint_step_usage_error_fails_and_inputs_are_not_shell(runner, tmp_path):
    marker = tmp_path / "pwned"
    code, _, err, outputs, _ = runner(
        "Lint", cwd=str(tmp_path), paths=f"$(touch {marker}) `touch {marker}`; touch {marker}",
        **{"sarif-file": str(tmp_path / "x.sarif")},
    )
    assert code == 2 and outputs["exit-code"] == "2"
    assert "no such file" in err.lower() or "does not exist" in err.lower(), err
    assert not marker.exists()


def test_fail_step(action, runner):
    step = next(s for s in action["runs"]["steps"] if s.get("name") == "Fail on findings")
    assert "steps.lint.outputs.exit-code == '1'" in step["if"] and "inputs.fail-on-findings == 'true'" in step["if"]
    code, out, _, _, _ = runner("Fail on findings")
    assert code == 1 and "infergw-lint found problems" in out
