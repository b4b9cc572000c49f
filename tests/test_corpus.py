"""The real corpus: real Job files load, real edits get the verdicts the specs give.

Oracles independent of the engine's own field logic come from each edit's meta.json (what changed, as parsed by
the corpus tooling): an image change of a named Job that is a plain resource on both sides must be flagged; an
edit that touches no Job, or only adds/removes Jobs, must not be. Every verdict is also locked in
fixtures/corpus/verdicts.json (reviewed by hand), so any drift shows up as a diff to review.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobguard.controllers.argocd import classify_argocd
from jobguard.manifests import load
from tests.corpus import Edit, edits, files, needs_corpus

EDITS = list(edits())
VERDICTS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus" / "verdicts.json"
KNOWN_INVALID = {"kubernetes__website__content__en__examples__controllers__job-pod-failure-policy-ignore.yaml"}


def verdicts(edit: Edit) -> list[str]:
    return [
        f"{f.rule} {f.object.display() if f.object else '-'} {','.join(f.fields)}".strip() for f in edit.run().findings
    ]


@needs_corpus
def test_every_real_file_loads_except_the_known_invalid_one() -> None:
    assert len(files()) >= 140
    bad = {path.name: load(path.name, path.read_bytes()).problems for path in files()}
    bad = {name: problems for name, problems in bad.items() if problems}
    assert set(bad) == KNOWN_INVALID
    (problem,) = bad[next(iter(KNOWN_INVALID))]
    assert problem.line == 24 and "invalid YAML" in problem.message


@needs_corpus
def test_the_known_invalid_file_is_a_manifest_invalid_finding() -> None:
    (path,) = [p for p in files() if p.name in KNOWN_INVALID]
    result = Edit("invalid", "", path.read_text(), {"path": path.name}).run()
    assert [(f.rule, f.location.line) for f in result.findings] == [("manifest-invalid", 24)]


@needs_corpus
@pytest.mark.parametrize("edit", EDITS, ids=[e.name for e in EDITS])
def test_real_edit_verdicts_follow_the_specs(edit: Edit) -> None:
    result = edit.run()
    immutable = {f.object.name for f in result.findings if f.rule == "job-immutable-field" and f.object}
    categories = set(edit.meta.get("change_categories", []))
    if categories <= {"no-job-change", "job-added", "job-removed"}:
        assert not immutable, "no existing Job was edited"
    for name, job in edit.meta.get("job_changes", {}).items():
        if job.get("status") != "modified" or name.startswith("generateName:"):
            continue
        hooks = edit.meta["hooks_head"].get(name, {}).get("hook_annotations", {})
        base_hooks = edit.meta["hooks_base"].get(name, {}).get("hook_annotations", {})
        plain = not classify_argocd(hooks).key_present and not classify_argocd(hooks).is_hook
        was_live = not classify_argocd(base_hooks).is_skip
        image_changed = any(
            c["path"].startswith("spec.template.spec.containers[")
            and c["path"].endswith("].image")
            and c.get("op") == "changed"
            and c.get("old") != c.get("new")
            for c in job.get("changes", [])
        )
        if plain and was_live and image_changed:
            assert name in immutable, f"{name}: image changed on a plain Job must be flagged"
        if not plain:
            assert name not in immutable, f"{name}: a hook is re-created, not updated"


@needs_corpus
def test_real_edit_verdicts_match_the_reviewed_record(request: pytest.FixtureRequest) -> None:
    got = {edit.name: verdicts(edit) for edit in EDITS}
    if request.config.getoption("--update-golden"):
        VERDICTS.parent.mkdir(parents=True, exist_ok=True)
        VERDICTS.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(VERDICTS.read_text(encoding="utf-8"))
    assert got == expected


@needs_corpus
def test_corpus_covers_both_verdicts() -> None:
    flagged = sum(any(v.startswith("job-immutable-field") for v in verdicts(e)) for e in EDITS)
    assert 0 < flagged < len(EDITS)
    assert len(EDITS) == 131
