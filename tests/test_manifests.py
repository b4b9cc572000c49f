"""manifests.load: every way a file can be unusable is a Problem with a line, never an exception."""

from __future__ import annotations

import pytest
import yaml

from jobguard import manifest_guards
from jobguard.manifest_guards import MAX_EXPANDED_NODES
from jobguard.manifests import comments_with_lines, load
from tests.samples import SMALL_JOB_NEW_IMAGE

JOB = SMALL_JOB_NEW_IMAGE


def test_reads_job_with_field_spans() -> None:
    result = load("job.yaml", JOB.encode())
    assert result.problems == ()
    (job,) = result.manifests
    assert job.value["metadata"] == {"name": "migrate", "namespace": "apps"}
    assert (job.start_line, job.end_line) == (1, 12)
    assert job.span_of(("spec", "template", "spec", "containers", 0, "image")) == (12, 12)
    assert job.span_of(("metadata",)) == (3, 5)
    # a path that does not exist falls back to its deepest existing ancestor
    assert job.span_of(("spec", "template", "spec", "nodeSelector")) == (8, 12)


def test_multi_document_crlf_and_bom() -> None:
    text = "\ufeff" + ("---\r\n" + JOB.replace("\n", "\r\n")) * 2 + "---\r\n# only a comment\r\n"
    result = load("jobs.yml", text.encode("utf-8"))
    assert result.problems == ()
    assert result.bom and not load("job.yaml", JOB.encode()).bom
    assert [str(m.index) for m in result.manifests] == ["0", "1"]
    assert result.manifests[1].start_line == 15
    first, second = (m.document for m in result.manifests)  # from its root's line to its end, BOM not counted
    assert result.text[first[0] : first[1]] == JOB.replace("\n", "\r\n")
    assert result.text[second[0] : second[1]] == result.text[first[0] : first[1]]
    assert result.text[second[0] - 5 : second[0]] == "---\r\n"
    assert result.manifests[1].value["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.36"


def test_non_job_objects_are_not_read_in_full() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n---\n" + JOB
    result = load("mixed.yaml", text.encode())
    assert [m.value["kind"] for m in result.manifests] == ["Job"]
    assert result.manifests[0].start_line == 6


def test_kind_list_items_are_unpacked() -> None:
    items = "".join("  - " + line + "\n" if i == 0 else "    " + line + "\n" for i, line in enumerate(JOB.splitlines()))
    text = "apiVersion: v1\nkind: List\nitems:\n" + items
    (job,) = load("list.yaml", text.encode()).manifests
    assert str(job.index) == "0.items[0]"
    assert job.value["metadata"]["name"] == "migrate"


def test_flow_style_job() -> None:
    text = "{apiVersion: batch/v1, kind: Job, metadata: {name: x}, spec: {template: {spec: {containers: []}}}}\n"
    (job,) = load("flow.yaml", text.encode()).manifests
    assert job.value["metadata"]["name"] == "x"


def test_merge_keys_are_expanded() -> None:
    text = JOB + "  base: &b {backoffLimit: 2}\n"
    text = text.replace("spec:\n  template", "spec:\n  <<: {backoffLimit: 4}\n  template", 1)
    (job,) = load("merge.yaml", text.encode()).manifests
    assert job.value["spec"]["backoffLimit"] == 4


MERGED = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - &defaults
          name: main
          image: busybox:1.35
          args: [a]
        - <<: *defaults
          name: init
          args: [b]
"""


def test_a_merge_key_then_an_override_is_no_duplicate() -> None:
    """Kubernetes (YAML 1.1) lets an explicit key win over a merged one; only explicit twins are duplicates."""
    manifest = load("merge.yaml", MERGED.encode())
    assert manifest.problems == ()
    (job,) = manifest.manifests
    init = job.value["spec"]["template"]["spec"]["containers"][1]
    assert init == {"name": "init", "image": "busybox:1.35", "args": ["b"]}
    containers = ("spec", "template", "spec", "containers")
    assert job.spans[(*containers, 1, "image")] == (12, 12)  # defined in the anchor
    assert job.spans[(*containers, 1, "args")] == (16, 16)  # the override, not the anchor's line 13
    twice = load(
        "merge.yaml", MERGED.replace("          name: init\n", "          name: init\n          name: x\n").encode()
    )
    assert [(p.line, p.message) for p in twice.problems] == [(16, "duplicate key 'name'")]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: [1, 2\n", 2, "invalid YAML"),
        ("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: a\n\tnamespace: b\n", 5, "invalid YAML"),
        (JOB.replace("  namespace: apps\n", "  namespace: apps\n  name: again\n"), 6, "duplicate key 'name'"),
        (JOB.replace("image: busybox:1.36", "image: !custom busybox"), 12, "YAML tag '!custom'"),
        ("apiVersion: batch/v1\nkind: Job\nspec: {}\n", 1, "has no metadata mapping"),
        ("apiVersion: batch/v1\nkind: Job\nmetadata: {labels: {a: b}}\n", 1, "neither metadata.name"),
        (JOB + "---\n- just\n- a list\n", 14, "document 2 is a list, not a Kubernetes object"),
        (JOB + "---\njust a scalar\n", 14, "document 2 is a scalar"),
    ],
)
def test_problems_name_their_line(text: str, line: int, message: str) -> None:
    result = load("bad.yaml", text.encode())
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert problem.path == "bad.yaml"
    assert problem.line == line
    assert message in problem.message


def test_a_bad_document_does_not_hide_the_good_ones() -> None:
    text = (
        JOB.replace("name: migrate", "name: one")
        + "---\n"
        + JOB.replace("  namespace: apps\n", "  namespace: apps\n  namespace: x\n")
    )
    text += "---\n" + JOB.replace("name: migrate", "name: three")
    result = load("three.yaml", text.encode())
    assert [m.value["metadata"]["name"] for m in result.manifests] == ["one", "three"]
    assert len(result.problems) == 1


def test_alias_bomb_is_refused() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: bomb}\nspec:\n" + "".join(
        "  " + line + "\n" for line in lines
    )
    result = load("bomb.yaml", text.encode())
    assert result.manifests == ()
    assert f"more than {MAX_EXPANDED_NODES:,} nodes" in result.problems[0].message


def test_size_binary_and_encoding_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patched:  # the real limit, 4 MiB, would make a slow test
        patched.setattr(manifest_guards, "MAX_FILE_BYTES", 10)
        assert "over the 10-byte limit" in load("big.yaml", b"a: 1\n" * 10).problems[0].message
    assert "binary file" in load("bin.yaml", b"a: \x00\x01").problems[0].message
    bad = load("latin1.yaml", b"a: 1\nb: caf\xe9\n").problems[0]
    assert (bad.line, bad.message) == (2, "not UTF-8 text (invalid byte at offset 11)")


def test_templates_are_skipped_not_reported() -> None:
    text = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Values.name }}\n  {{- include "x" . }}\n'
    result = load("templates/job.yaml", text.encode())
    assert result.template and result.problems == () and result.manifests == ()


def test_files_without_kubernetes_objects_are_ignored() -> None:
    assert load("values.yaml", b"- a\n- b\n").problems == ()
    assert load("values.yaml", b"replicas: 3\n").manifests == ()
    assert load("empty.yaml", b"").problems == ()


def test_control_characters_are_a_problem_with_a_line() -> None:
    (problem,) = load("ctl.yaml", b"apiVersion: batch/v1\nkind: Job\nmetadata: {name: a\x01}\n").problems
    assert (problem.line, problem.column) == (3, 19)
    assert problem.message == "invalid YAML: character U+0001 is not allowed in YAML"


def test_comments_are_found_outside_tokens_only() -> None:
    text = '# top\na: "x #y"  # real # more\nb: |  # on the header\n  # not a comment\n  c\nd: e#f\n#end'
    assert comments_with_lines(text) == ((1, "# top"), (2, "# real # more"), (3, "# on the header"), (7, "#end"))
    assert comments_with_lines("k: >-\n  # folded text\n  more\n") == ()
    assert comments_with_lines("\ufeffa: 1  # x") == ((1, "# x"),)
    assert comments_with_lines("no: comment") == ()


def test_comment_lines_are_counted_at_lf_as_manifest_spans_are() -> None:
    """CRLF is one line; a lone CR, NEL, LS or PS ends a comment (YAML) but starts no line (git, `Manifest` spans)."""
    assert comments_with_lines("a: 1\r\n# b\r\nc: 2 # d\r\n") == ((2, "# b"), (3, "# d"))
    assert comments_with_lines("a: 1\u2028# b\x85c: 2\r# d\n# e") == ((1, "# b"), (1, "# d"), (2, "# e"))
    with pytest.raises(yaml.YAMLError):
        comments_with_lines("a: 'open # x\n")


def test_lines_are_counted_at_lf_only_as_git_counts_them() -> None:
    """YAML breaks a line at a lone CR (and NEL, LS, PS); git, the platforms and fixes do not."""
    text = SMALL_JOB_NEW_IMAGE.replace("  name: migrate\n", "  name: migrate # a\r# b\u2028# c\n")
    (job,) = load("cr.yaml", text.encode()).manifests
    assert (job.start_line, job.end_line) == (1, 12)
    assert job.span_of(("spec", "template", "spec", "containers", 0, "image")) == (12, 12)
    assert job.source == text
    broken = load("cr.yaml", text.replace("restartPolicy: Never", "restartPolicy: Never\r  bad: [").encode())
    assert [p.line for p in broken.problems] == [11]  # YAML says 13
