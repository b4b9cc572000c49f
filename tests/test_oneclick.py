"""One click per finding on a handful of real corpus edits, through `jobguard review` against the fake GitHub and the
fake GitLab: every suggestion posted applies the way the platform applies it and yields exactly a verified fix of
its finding, no finding gets two suggestions, and a comment that points to another one's suggestion is right to.
benchmarks/bench_oneclick.py measures the same over the whole corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import oneclick
from tests.corpus import Edit, edits, needs_corpus

CASES = {
    # kubeflow: the TTL finding and the immutable one share their fix: one suggestion, and one pointer to it
    "0049": {"github": 2, "gitlab": 2},
    # knative: a generateName hook and a TTL hook would write different annotations on the same lines; the first
    # also fixes the TTL finding (verified), so that one points to it: one click for both, never two competing
    "0065": {"github": 0, "gitlab": 2},
    # ingress-nginx: two Jobs of a 600-line file, two findings each
    "0003": {"github": 4, "gitlab": 4},
    # rook: the hook's annotations go in after line 21, outside the hunk (22-28): GitHub takes line 22 below them
    "0100": {"github": 1, "gitlab": 1},
    # knative: labels reordered; git's diff (not difflib's) decides which lines a comment may sit on
    "0071": {"github": 1, "gitlab": 1},
}


def corpus_edit(prefix: str) -> Edit:
    return next(e for e in edits() if e.name.startswith(prefix))


def check(outcome: oneclick.Outcome) -> int:
    """The outcome's invariants; returns how many findings are one click away."""
    by_fingerprint = {str(f["fingerprint"]): f for f in outcome.findings}
    assert outcome.overlapping() == 0, "applying one suggestion would leave another outdated"
    for fingerprint, applied in outcome.applied.items():
        assert len(applied) == 1, "two suggestions for one finding"
        assert applied[0] is not None, "the platform refused to apply a suggestion jobguard posted"
        assert applied[0] in outcome.verified(by_fingerprint[fingerprint]), "a suggestion that is no verified fix"
    for fingerprint, holder in outcome.pointers.items():
        assert fingerprint not in outcome.applied and holder in outcome.applied
        assert outcome.one_click(by_fingerprint[fingerprint]), "a pointer to a suggestion that does not fix it"
    return sum(outcome.one_click(f) for f in outcome.findings)


@needs_corpus
@pytest.mark.parametrize("prefix", sorted(CASES))
def test_real_edits_are_one_click_on_gitlab(prefix: str, tmp_path: Path) -> None:
    edit = corpus_edit(prefix)
    outcome = oneclick.on_gitlab(edit.path, edit.base, edit.head, tmp_path)
    assert check(outcome) == CASES[prefix]["gitlab"]


@needs_corpus
@pytest.mark.parametrize("prefix", sorted(CASES))
def test_real_edits_take_every_in_hunk_placement_on_github(prefix: str, tmp_path: Path) -> None:
    edit = corpus_edit(prefix)
    outcome = oneclick.on_github(edit.path, edit.base, edit.head, tmp_path)
    assert check(outcome) == CASES[prefix]["github"]
