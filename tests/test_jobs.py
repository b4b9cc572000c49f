"""jobs.pair: identity pairing in the same file, across renames, and across files only when unambiguous."""

from __future__ import annotations

from jobguard.jobs import FileSides, JobChange, pair
from jobguard.manifests import Manifest, load


def job(name: str, namespace: str | None = None, image: str = "busybox:1.35", path: str = "f.yaml") -> Manifest:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    text = (
        f"apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}{ns}\n"
        f"spec: {{template: {{spec: {{containers: [{{name: c, image: '{image}'}}]}}}}}}\n"
    )
    (manifest,) = load(path, text.encode()).manifests
    return manifest


def summary(changes: list[JobChange]) -> list[tuple[str | None, str | None, bool, str | None]]:
    rows = [
        (
            c.base.manifest.path if c.base else None,
            c.head.manifest.path if c.head else None,
            c.touched,
            c.moved_from,
        )
        for c in changes
    ]
    return sorted(rows, key=repr)


def test_same_file_pairs_by_identity() -> None:
    sides = FileSides("a.yaml", "a.yaml", [job("x"), job("y")], [job("y", image="busybox:1.36"), job("x")])
    changes = pair([sides])
    touched = {c.head.ref.name: c.touched for c in changes if c.head and c.base}
    assert touched == {"x": False, "y": True}


def test_rename_keeps_the_pair() -> None:
    sides = FileSides("old.yaml", "new.yaml", [job("x", path="old.yaml")], [job("x", path="new.yaml")])
    (change,) = pair([sides])
    assert change.base is not None and change.head is not None and change.moved_from is None


def test_namespaced_job_moved_to_another_file_is_paired() -> None:
    a = FileSides("a.yaml", "a.yaml", [job("x", "ns", path="a.yaml")], [])
    b = FileSides("b.yaml", "b.yaml", [], [job("x", "ns", path="b.yaml", image="busybox:1.36")])
    assert summary(pair([a, b])) == [("a.yaml", "b.yaml", True, "a.yaml")]


def test_namespaceless_jobs_in_different_files_are_different_objects() -> None:
    a = FileSides("apps/one/job.yaml", "apps/one/job.yaml", [job("x", path="apps/one/job.yaml")], [])
    b = FileSides("apps/two/job.yaml", "apps/two/job.yaml", [], [job("x", path="apps/two/job.yaml")])
    assert summary(pair([a, b])) == [
        ("apps/one/job.yaml", None, True, None),
        (None, "apps/two/job.yaml", True, None),
    ]


def test_ambiguous_moves_are_not_paired() -> None:
    a = FileSides("a.yaml", "a.yaml", [job("x", "ns", path="a.yaml")], [])
    b = FileSides("b.yaml", "b.yaml", [job("x", "ns", path="b.yaml")], [])
    c = FileSides("c.yaml", "c.yaml", [], [job("x", "ns", path="c.yaml")])
    result = summary(pair([a, b, c]))
    assert (None, "c.yaml", True, None) in result
    assert len(result) == 3


def test_generate_name_jobs_never_pair() -> None:
    text = b"apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: x-}\nspec: {}\n"
    (manifest,) = load("g.yaml", text).manifests
    (change,) = pair([FileSides(None, "g.yaml", [], [manifest])])
    assert change.base is None and change.head is not None
    assert change.head.ref.generate_name == "x-" and change.head.identity is None
