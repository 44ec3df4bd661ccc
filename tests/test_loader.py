"""Loader: positions (also inside embedded JSON), encodings, odd inputs."""

from __future__ import annotations

import pytest

from infergw_lint.engine import Options, run
from infergw_lint.loader import LoadResult, load, parse_source
from infergw_lint.source import SourceFile

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: bifrost
data:
  config.json: |  # a comment with { and "providers" in it
    {
      "providers": [],
      "plugins": [{"name": "otel", "config": {"trace_type": "genai_extension"}}]
    }
"""


def parse(text: str, path: str = "x.yaml") -> LoadResult:
    result = LoadResult()
    parse_source(SourceFile(path, text), result)
    return result


def test_embedded_json_positions_map_to_yaml_file():
    doc = parse(CONFIGMAP).documents[0]
    span = doc.span(("data", "config.json", "providers"), key=True)
    assert (span.line, span.column) == (8, 7)
    assert (span.end_line, span.end_column) == (8, 18)
    span = doc.span(("data", "config.json", "plugins", 0, "config", "trace_type"))
    assert (span.line, span.column) == (9, 61)
    assert doc.get("data", "config.json", "plugins", 0, "name") == "otel"


def test_embedded_json_in_folded_and_quoted_scalars():
    text = (
        "kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\ndata:\n"
        "  a.json: >\n    {\"providers\":\n    []}\n"
        "  b.json: '{\"providers\": 1}'\n"
    )
    doc = parse(text).documents[0]
    assert doc.get("data", "a.json", "providers") == []
    span = doc.span(("data", "a.json", "providers"))
    assert (span.line, span.column) == (7, 5)
    span = doc.span(("data", "b.json", "providers"))
    assert (span.line, span.column) == (8, 26)


def test_crlf_and_bom_keep_columns(tmp_path):
    text = CONFIGMAP.replace("\n", "\r\n")
    p = tmp_path / "cm.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = load([str(p)])
    doc = result.documents[0]
    span = doc.span(("data", "config.json", "providers"), key=True)
    assert (span.line, span.column) == (8, 7)
    assert (span.end_line, span.end_column) == (8, 18)


def test_non_ascii_columns_count_code_points():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, annotations: {note: \"한국어 설명\"}}\ndata: {k: v}\n"
    doc = parse(text).documents[0]
    span = doc.span(("data", "k"))
    assert (span.line, span.column) == (4, 11)


def test_kind_list_items_are_expanded():
    text = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: a}
  - apiVersion: v1
    kind: Service
    metadata: {name: b}
"""
    docs = parse(text).documents
    assert [d.name for d in docs] == ["a", "b"]
    assert docs[1].span(("metadata", "name")).line == 9


def test_multi_document_yaml_and_empty_documents():
    text = "---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# only a comment\n---\n"
    docs = parse(text).documents
    assert [d.name for d in docs] == ["a"]


def test_broken_document_is_one_problem_and_earlier_documents_load():
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\nkey: [unclosed\n"
    result = parse(text)
    assert [d.name for d in result.documents] == ["a"]
    assert len(result.problems) == 1
    assert result.problems[0].code == "IGW000"


def test_unknown_tags_are_never_constructed():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: !!python/object/apply:os.system ['echo pwned']\n"
    result = parse(text)
    assert result.documents[0].get("data", "a") == ["echo pwned"]


def test_alias_bomb_stays_small():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev = f"*a{i-1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    result = parse("\n".join(lines) + "\n")
    # built once per node (no 10**12 expansion in memory), then refused as one IGW000:
    # rules walk data as a tree and Kubernetes rejects excessive aliasing too
    assert not result.documents
    assert [p.code for p in result.problems] == ["IGW000"] and "alias" in result.problems[0].message


def test_deep_nesting_is_a_problem_not_a_crash():
    text = "a: " + "[" * 5000 + "]" * 5000 + "\n"
    result = parse(text)
    assert result.problems and result.problems[0].code == "IGW000"


@pytest.mark.parametrize(
    "content,needle",
    [
        (b"\x00\x01\x02binary", "binary"),
        (b"key: \xff\xfe value\n", "not UTF-8"),
    ],
)
def test_unreadable_content_is_reported_and_other_files_still_load(tmp_path, content, needle):
    (tmp_path / "bad.yaml").write_bytes(content)
    (tmp_path / "good.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n")
    result = load([str(tmp_path)])
    assert [d.name for d in result.documents] == ["ok"]
    assert len(result.problems) == 1 and needle in result.problems[0].message


def test_directory_walk_skips_hidden_and_vendor_dirs(tmp_path):
    for sub in (".git", "node_modules", ".hidden", "real", ".continue"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "x.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    (tmp_path / "real" / "notes.txt").write_text("not yaml")
    result = load([str(tmp_path)])
    paths = sorted(f.path for f in result.files)
    assert paths == [str(tmp_path / ".continue" / "x.yaml"), str(tmp_path / "real" / "x.yaml")]


def test_helm_templates_are_skipped_with_one_note(tmp_path):
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    for i in range(5):
        (chart / "templates" / f"t{i}.yaml").write_text("metadata:\n  name: {{ .Release.Name }}\n")
    result = load([str(tmp_path)])
    assert not result.problems
    assert len(result.notes) == 1 and "Helm" in result.notes[0]


def test_symlink_loop_and_broken_symlink(tmp_path):
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    result = load([str(tmp_path)])
    assert len(result.problems) == 1 and "broken symlink" in result.problems[0].message


def test_run_counts_and_locates(tmp_path):
    (tmp_path / "cm.yaml").write_text(CONFIGMAP.replace('"plugins"', '"x"').replace("providers", "providers"))
    result = run([str(tmp_path)], Options(select=["IGW201"]))
    assert result.files == 1
