"""The pre-commit hook end to end, with the real ``pre-commit``.

The hook repository is a copy of this project (its working tree, so uncommitted changes
are tested too) committed into a fresh git repository under tmp: pre-commit clones hook
repositories, and this test must never touch the git state of the checkout it runs from.
Installing the hook's environment needs pip to reach PyPI (or a pip cache / index mirror).

``pre-commit try-repo`` always installs into a throw-away store, so it is used once per
outcome (bad manifest fails, good one passes); the documented consumer configuration
(``args: [--context, manifests/]``) is then run with ``pre-commit run`` against one store
in ``PRE_COMMIT_HOME`` under tmp.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "sample_manifests")

SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".hypothesis", ".venv", "build", "dist", ".tox", ".mypy_cache"}


def _pre_commit() -> list[str] | None:
    exe = shutil.which("pre-commit") or os.path.join(os.path.dirname(sys.executable), "pre-commit")
    if os.path.exists(exe):
        return [exe]
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "pre_commit"]


PRE_COMMIT = _pre_commit()
GIT = shutil.which("git")

needs_tools = pytest.mark.skipif(PRE_COMMIT is None or GIT is None, reason="pre-commit and git are needed for the hook test")


def test_hook_manifest():
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as fh:
        (hook,) = yaml.safe_load(fh)
    assert hook["id"] == "infergw-lint" and hook["language"] == "python"
    assert hook["entry"] == "infergw-lint" and hook["require_serial"] is True
    assert set(hook["types_or"]) == {"yaml", "json"}
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as fh:
        assert re.search(r'^infergw-lint = "', fh.read(), re.M), "the hook's entry is not a console script"
    try:
        from pre_commit.clientlib import load_manifest
    except ImportError:
        return
    load_manifest(os.path.join(ROOT, ".pre-commit-hooks.yaml"))  # pre-commit's own schema check


def test_hook_description_advises_context():
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as fh:
        (hook,) = yaml.safe_load(fh)
    assert "--context" in hook["description"] and "files" in hook["description"]


def test_readme_names_the_release_tag_of_this_version():
    """The README's ``rev:`` is ``v<version>``; where the checkout has tags, that tag exists
    (a shallow CI clone without tags only checks the name)."""
    from infergw_lint import __version__

    rev = _readme_config()["repos"][0]["rev"]
    assert rev == f"v{__version__}", f"README names {rev}, the package is {__version__}"
    if GIT is None or not os.path.exists(os.path.join(ROOT, ".git")):
        return
    proc = subprocess.run([GIT, "tag", "--list"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    tags = proc.stdout.split()
    if proc.returncode != 0 or not tags:
        pytest.skip("this checkout has no tags (shallow clone)")
    assert rev in tags, f"no tag {rev} in this repository (tags: {' '.join(tags[-5:])})"


def _env(home: str) -> dict:
    env = dict(os.environ)
    for var in list(env):  # a surrounding git hook or CI checkout must not leak into our repos
        if var.startswith("GIT_") or var == "PRE_COMMIT":
            env.pop(var)
    env.update(
        PRE_COMMIT_HOME=home,
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, NO_COLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    env.pop("GITHUB_WORKSPACE", None)
    return env


def _run(cmd, cwd, env, timeout=600):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _git(cwd, env, *args):
    proc = _run([GIT, "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args], cwd, env, timeout=120)
    assert proc.returncode == 0, f"git {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


def _project_files(env) -> list[str]:
    """Files of the working tree: tracked and untracked-but-not-ignored, or a plain walk."""
    if os.path.exists(os.path.join(ROOT, ".git")):  # a directory, or a file in a git worktree
        proc = _run([GIT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT, env, timeout=60)
        if proc.returncode == 0:
            return sorted({p for p in proc.stdout.split("\0") if p and os.path.isfile(os.path.join(ROOT, p))})
    out = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in filenames:
            if not name.endswith((".pyc", ".pyo")) and name != ".git":  # a worktree's .git file points elsewhere
                out.append(os.path.relpath(os.path.join(dirpath, name), ROOT))
    return sorted(out)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("pre-commit-home")
    return _env(str(home))


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env):
    """This project, working tree as is, committed in a temporary git repository."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for rel in _project_files(env):
        dest = repo / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), dest)
    assert (repo / ".pre-commit-hooks.yaml").is_file()
    _git(repo, env, "init", "-q")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "hook repo under test")
    # the release tag the README names, so its config is used exactly as written
    rev = _readme_config()["repos"][0]["rev"]
    _git(repo, env, "tag", "-a", rev, "-m", f"infergw-lint {rev}")
    return str(repo), rev


def _consumer(path, env, files: dict[str, str]):
    path.mkdir(parents=True, exist_ok=True)
    _git(path, env, "init", "-q")
    for rel, src in files.items():
        dest = path / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    _git(path, env, "add", "-A")
    return path


def _readme_config() -> dict:
    """The consumer .pre-commit-config.yaml shown in the README's pre-commit section."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    section = readme.split("\n## pre-commit\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block, "README: the pre-commit section has no yaml example"
    config = yaml.safe_load(block.group(1))
    (hook,) = config["repos"][0]["hooks"]
    assert hook["id"] == "infergw-lint" and "--context" in hook["args"]
    return config


def _good(name):
    return os.path.join(SAMPLES, "good", name)


def _bad(name):
    return os.path.join(SAMPLES, "bad", name)


@pytest.mark.slow
@needs_tools
def test_try_repo_fails_on_bad_and_passes_on_good(tmp_path, env, hook_repo):
    repo, _ = hook_repo
    bad = _consumer(tmp_path / "bad", env, {"manifests/50-bifrost.yaml": _bad("50-bifrost.yaml")})
    proc = _run([*PRE_COMMIT, "try-repo", repo, "infergw-lint", "--all-files", "--color", "never"], bad, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "infergw-lint" in out and "Failed" in out, out
    assert "manifests/50-bifrost.yaml:25:7: IGW201 [*] " in out, out

    good = _consumer(tmp_path / "good", env, {"manifests/50-bifrost.yaml": _good("50-bifrost.yaml")})
    proc = _run([*PRE_COMMIT, "try-repo", repo, "infergw-lint", "--all-files", "--color", "never"], good, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Passed" in out, out


@pytest.mark.slow
@needs_tools
def test_documented_config_with_context(tmp_path, env, hook_repo):
    """The README's consumer config: changed files only, the tree as --context."""
    repo, rev = hook_repo
    names = [n for n in sorted(os.listdir(os.path.join(SAMPLES, "good"))) if n.endswith(".yaml")]
    consumer = _consumer(tmp_path / "consumer", env, {f"manifests/{n}": _good(n) for n in names})
    config = _readme_config()
    assert config["repos"][0]["rev"] == rev
    config["repos"][0]["repo"] = repo  # the README's config, pointed at the local hook repository
    (consumer / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _git(consumer, env, "add", "-A")
    run = [*PRE_COMMIT, "run", "--color", "never", "infergw-lint", "--files"]

    # only the route changed: its ReferenceGrant lives in another file, found through --context
    proc = _run([*run, "manifests/40-routes.yaml"], consumer, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout

    # without the grant file in the tree the same route fails; only the changed file is reported
    (consumer / "manifests" / "30-reference-grants.yaml").unlink()
    proc = _run([*run, "manifests/40-routes.yaml"], consumer, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "manifests/40-routes.yaml:" in out and "IGW101" in out, out
    assert "manifests/50-bifrost.yaml:" not in out


@pytest.mark.slow
@needs_tools
def test_option_like_file_names_are_refused(tmp_path, env, hook_repo):
    """pre-commit passes file names after the options: a committed file named like an option
    (--write-baseline=b.json would record every finding and exit 0) fails the hook (exit 2)
    with a hint to write ./NAME, instead of being read as an option (issue 13)."""
    repo, rev = hook_repo
    consumer = _consumer(tmp_path / "c", env, {"manifests/50-bifrost.yaml": _bad("50-bifrost.yaml")})
    (consumer / "--write-baseline=b.json").write_text("{}\n", encoding="utf-8")
    config = {"repos": [{"repo": repo, "rev": rev, "hooks": [{"id": "infergw-lint"}]}]}
    (consumer / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _git(consumer, env, "add", "-A")
    proc = _run([*PRE_COMMIT, "run", "--color", "never", "--all-files", "infergw-lint"], consumer, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "Failed" in out, out
    assert "exit code: 2" in out, out
    assert "write ./--write-baseline=b.json" in out, out
    assert not (consumer / "b.json").exists()
