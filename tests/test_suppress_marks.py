"""Suppressions read while loading (suppress.read_marks, SourceFile.marks) against the
suppressions read after the check from the text and every document (the path apply takes
for a file whose marks were not read): the same findings, the same suppressions, in the
same order -- in one process and split over processes."""

from __future__ import annotations

import json
import os
import pickle
import random

import pytest

from infergw_lint import loader, parallel, suppress
from infergw_lint.engine import Options, run
from infergw_lint.loader import LoadResult, parse_source
from infergw_lint.source import SourceFile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREES = [os.path.join(ROOT, "sample_manifests"), os.path.join(ROOT, "tests", "fixtures")]
REALWORLD = os.path.join(ROOT, "tests", "realworld")

forks = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: s{n}
  namespace: ai-gateway
  annotations:
    {key}: "{codes}"
{reason}    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
spec:
  type: LoadBalancer
  selector:
    app: grafana
  ports:
    - port: 80
      targetPort: 3000
"""

# ways of writing the annotation's name that do not spell it: read_marks must still look
YAML_KEYS = [
    "infergw-lint.io/ignore", '"infergw-lint.io/ignore"', "'infergw-lint.io/ignore'",
    '"infergw-lint.io\\x2Fignore"', '"\\x69nfergw-lint.io/ignore"', '"infergw-lint.io\\u002fignore"',
    '"infergw-lint.io/\\\n      ignore"',
]
JSON_KEYS = ['"infergw-lint.io\\/ignore"', '"\\u0069nfergw-lint.io/ignore"', '"infergw-lint.io/ignore"']


def hostile_tree(base: str, seed: int) -> None:
    """Files of routes with annotations written in every way above, with and without a
    reason, expired or not, comments of every kind (lone CRs, disable-file, runs of
    standalone comments, no reason), and files with neither."""
    rng = random.Random(seed)
    os.makedirs(base, exist_ok=True)
    for i in range(rng.randint(3, 10)):
        docs = []
        for n in range(rng.randint(1, 4)):
            key = rng.choice(YAML_KEYS)
            reason = rng.choice([
                "", '    infergw-lint.io/ignore-reason: "known"\n',
                '    infergw-lint.io/ignore-reason: "known"\n    infergw-lint.io/ignore-until: "2001-01-01"\n',
                '    infergw-lint.io/ignore-until: "soon"\n',
            ])
            text = SERVICE.format(n=f"{i}x{n}", key=key, codes=rng.choice(["IGW401", "all", "IGW401,IGW101", "IGW101", ""]),
                                reason=reason)
            if rng.random() < 0.5:
                text = rng.choice([
                    "# infergw-lint: disable=IGW401 reason=\"x\"\n",
                    "# infergw-lint: disable-file=IGW103 reason='y'\n",
                    "# infergw-lint: disable=IGW401\n#\n# infergw-lint: disable=all reason=z\n",
                    "# not a suppression: infergw-lint\n",
                ]) + text
            if rng.random() < 0.3:
                text = text.replace("\n  type: LoadBalancer", "\n  type: LoadBalancer  # infergw-lint: disable=IGW401 reason=\"inline\"", 1)
            docs.append(text)
        text = "---\n".join(docs)
        if rng.random() < 0.2:
            text = text.replace("\n", "\r", 3)  # lone CRs end lines too
        with open(os.path.join(base, f"f{i}.yaml"), "w", newline="") as fh:
            fh.write(text)
    for i in range(rng.randint(0, 3)):
        doc = {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": f"j{i}", "namespace": "ai-gateway", "annotations": {
                "KEY": "IGW401", "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                "infergw-lint.io/ignore-reason": "known",
            }},
            "spec": {"type": "LoadBalancer", "selector": {"app": "grafana"}, "ports": [{"port": 80}]},
        }
        text = json.dumps(doc, indent=2).replace('"KEY"', rng.choice(JSON_KEYS))
        with open(os.path.join(base, f"j{i}.json"), "w") as fh:
            fh.write(text)


def report(paths, jobs: int, monkeypatch, read: bool = True) -> list:
    with monkeypatch.context() as m:
        m.setattr(parallel, "MIN_BYTES", 0)
        m.setattr(parallel, "MIN_DOCUMENTS", 0)
        if not read:  # the files' marks left unread: apply reads the text and every document
            m.setattr(loader, "read_marks", lambda src: None)
        result = run(paths, Options(jobs=jobs, env="prod"))  # (IGW401 reports a public load balancer in prod)
    return [(f.to_json(), f.suppression) for f in result.findings]


@pytest.mark.parametrize("seed", range(6))
def test_same_findings_as_reading_them_after_the_check(tmp_path, seed, monkeypatch):
    base = str(tmp_path / "t")
    hostile_tree(base, seed)
    trees = [base] + (TREES + ([REALWORLD] if os.path.isdir(REALWORLD) else []) if seed == 0 else [])
    unread = report(trees, 1, monkeypatch, read=False)
    assert report(trees, 1, monkeypatch) == unread
    codes = {f["rule"] for f, _ in unread}
    assert {"IGW002", "IGW003"} <= codes  # the tree does exercise suppressions
    assert any(s is not None for _, s in unread)
    if hasattr(os, "fork"):
        assert report(trees, 2, monkeypatch) == unread


def test_an_escaped_annotation_is_still_read(tmp_path, monkeypatch):
    """A name written with escapes (a JSON \\/, a YAML \\x2F) is not in the text as such:
    its file is still looked at (a backslash is enough)."""
    for i, key in enumerate(['"infergw-lint.io\\/ignore"', '"\\u0069nfergw-lint.io/ignore"']):
        doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}", "annotations": {"KEY": "IGW999"}}}
        (tmp_path / f"c{i}.json").write_text(json.dumps(doc).replace('"KEY"', key))
    (tmp_path / "y.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  annotations:\n    "infergw-lint.io\\x2Fignore": IGW999\n'
    )
    got = report([str(tmp_path)], 1, monkeypatch)
    assert got == report([str(tmp_path)], 1, monkeypatch, read=False)
    assert sorted(f["path"].rsplit("/", 1)[-1] for f, _ in got if f["rule"] == "IGW002") == ["c0.json", "c1.json", "y.yaml"]


def test_marks_hold_what_from_comments_and_the_documents_give():
    """For every file of the project's trees: the comment suppressions read_marks keeps
    are from_comments', and a file whose marks say no annotation can be written holds no
    document with one."""
    checked = 0
    for tree in TREES + ([REALWORLD] if os.path.isdir(REALWORLD) else []):
        for d, _, names in os.walk(tree):
            for name in sorted(names):
                if not name.endswith((".yaml", ".yml", ".json")):
                    continue
                path = os.path.join(d, name)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
                src = SourceFile(path, text)
                suppress.read_marks(src)
                assert [suppress.Suppression(*a) for a in src.marks[0]] == suppress.from_comments(src)
                if not src.marks[1]:
                    result = LoadResult()
                    parse_source(SourceFile(path, text), result)
                    for doc in result.documents:
                        meta = doc.data.get("metadata") if isinstance(doc.data, dict) else None
                        ann = meta.get("annotations") if isinstance(meta, dict) else None
                        assert not (isinstance(ann, dict) and suppress.ANNOTATION in ann), path
                checked += 1
    assert checked > 100


def test_marks_go_with_a_pickled_source_file():
    src = SourceFile("x.yaml", "a: 1  # infergw-lint: disable=IGW101 reason=x\n")
    suppress.read_marks(src)
    again = pickle.loads(pickle.dumps(src))
    assert again.marks == src.marks and again.marks[0]
    assert pickle.loads(pickle.dumps(SourceFile("y.yaml", "b: 2\n"))).marks is None
