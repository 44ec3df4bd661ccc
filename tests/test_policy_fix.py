"""Custom Python policies define an autofix the way built-in rules do (a ``fix`` method), and
``infergw-lint test`` checks it against ``NAME.fixed.yaml`` / ``DIR.fixed/`` when given."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICIES = os.path.join(ROOT, "examples", "policies")


def cli(*args, cwd):
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr + proc.stdout
    return proc.returncode, proc.stdout, proc.stderr


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(textwrap.dedent(text))


def test_a_policy_fix_runs_with_fix(tmp_path):
    shutil.copy(os.path.join(POLICIES, "tests", "route-labels.yaml"), tmp_path / "routes.yaml")
    code, out, err = cli("--no-config", "--policies", POLICIES, "--select", "ACME004", "--fix", "routes.yaml", cwd=tmp_path)
    assert code == 0, out + err
    assert "fixed 3 finding(s) in 1 file(s)" in err
    with open(os.path.join(POLICIES, "tests", "route-labels.fixed.yaml"), "rb") as fh:
        assert (tmp_path / "routes.yaml").read_bytes() == fh.read()


def test_a_policy_is_fixable_when_it_defines_fix():
    from infergw_lint.policies import load_policies

    fixable = {r.code: r.fixable for r in load_policies([POLICIES])}
    assert fixable == {"ACME001": False, "ACME002": False, "ACME003": False, "ACME004": True}


def test_policy_test_checks_the_fixed_file(tmp_path):
    shutil.copytree(POLICIES, tmp_path / "p")
    code, out, _ = cli("test", "p", cwd=tmp_path)
    assert code == 0, out
    assert "fixed as route-labels.fixed.yaml" in out
    fixed = tmp_path / "p" / "tests" / "route-labels.fixed.yaml"
    fixed.write_text(fixed.read_text(encoding="utf-8").replace("team: team-c", "team: team-x"), encoding="utf-8")
    code, out, _ = cli("test", "p", cwd=tmp_path)
    assert code == 1 and "1 failed" in out
    assert "differs from" in out and "-    team: team-x" in out and "+    team: team-c" in out
    assert not (tmp_path / "p" / "tests" / "route-labels.yaml").read_text(encoding="utf-8").count("team: team-c")


BAD_FIX = '''\
"""Label `tier` is `gold`.

## What it does

Reports a Service whose `tier` label is not `gold`.

## Why

Test policy.

## Example

```yaml
metadata: {labels: {tier: silver}}
```

## Fix

Set it.

Autofix: yes
"""

from infergw_lint.rule import Rule, report


class Tier(Rule):
    code = "T001"
    name = "tier-gold"
    severity = "warning"
    kinds = ("Service",)

    def check(self, doc, ctx):
        tier = (doc.get("metadata", "labels") or {}).get("tier")
        if tier != "gold":
            yield report(("metadata", "labels", "tier"), f"tier is {tier!r}")

    def fix(self, edit, finding, ctx):
        from infergw_lint.yamledit import set_value

        container, key = edit.resolve(finding.field)
        set_value(container, key, container[key] + "x")  # wrong, and never done
        return "appended x"


RULE = Tier()
'''

SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: s
  labels:
    tier: silver  # expect: T001
"""


def test_policy_test_catches_a_fix_that_does_not_silence_the_rule(tmp_path):
    write(tmp_path / "p" / "tier.py", BAD_FIX)
    write(tmp_path / "p" / "tests" / "svc.yaml", SVC)
    write(tmp_path / "p" / "tests" / "svc.fixed.yaml", SVC.replace("tier: silver  #", "tier: silverx #"))
    code, out, _ = cli("test", "p", cwd=tmp_path)
    assert code == 1, out
    assert "a second --fix would change svc.yaml again" in out
    assert "T001 still fires after its fix at svc.yaml:6:11" in out
    assert "svc.fixed.yaml" not in out.split("FAIL", 1)[0], "the expected file was run as a fixture"


def test_policy_test_checks_a_fixed_directory(tmp_path):
    shutil.copytree(POLICIES, tmp_path / "p")
    case = _mk(tmp_path / "p" / "tests" / "tree")
    shutil.copy(os.path.join(POLICIES, "tests", "route-labels.yaml"), case / "a.yaml")
    shutil.copy(os.path.join(POLICIES, "tests", "routes.yaml"), case / "b.yaml")  # nothing to fix there
    _mk(tmp_path / "p" / "tests" / "tree.fixed")
    shutil.copy(os.path.join(POLICIES, "tests", "route-labels.fixed.yaml"), tmp_path / "p" / "tests" / "tree.fixed" / "a.yaml")
    code, out, _ = cli("test", "p", cwd=tmp_path)
    assert code == 0, out
    assert "tree (4 expected findings, fixed as tree.fixed)" in out
    # a file missing from DIR.fixed/ must stay as it is
    (tmp_path / "p" / "tests" / "tree.fixed" / "a.yaml").unlink()
    code, out, _ = cli("test", "p", cwd=tmp_path)
    assert code == 1 and "(unchanged: no " in out, out


def _mk(path):
    os.makedirs(path, exist_ok=True)
    return path
