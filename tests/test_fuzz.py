"""Property: whatever a changed file holds, the engine returns findings and never raises."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobguard import check as engine
from tests.corpus import files, needs_corpus
from tests.rule_cases import run_texts

SOURCES = [p.read_text(encoding="utf-8") for p in files()[:60]]
SNIPPETS = [
    "\t",
    ": ",
    "- ",
    "&a ",
    "*a",
    "!!binary ",
    "!tag ",
    "{",
    "}",
    "[",
    "]",
    "---\n",
    "...\n",
    "'",
    '"',
    "\\",
    "<<: *a\n",
    "\ufeff",
    "\r\n",
    "\x00",
    "\x85",
    "#",
    "? ",
    "|\n",
    ">-\n",
    "%YAML 1.1\n",
]

mutation = st.tuples(
    st.sampled_from(["insert", "delete", "duplicate-line", "indent", "swap-lines"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(SNIPPETS),
)


def mutate(text: str, steps: list[tuple[str, int, int, str]]) -> str:
    for kind, a, b, snippet in steps:
        if not text:
            text = snippet
            continue
        i, j = a % len(text), b % len(text)
        lines = text.splitlines(keepends=True)
        k, m = a % len(lines), b % len(lines)
        if kind == "insert":
            text = text[:i] + snippet + text[i:]
        elif kind == "delete":
            text = text[: min(i, j)] + text[max(i, j) : max(i, j) + 1 + (b % 5)] + text[max(i, j) + 1 + (b % 5) :]
        elif kind == "duplicate-line":
            lines.insert(m, lines[k])
            text = "".join(lines)
        elif kind == "indent":
            lines[k] = " " * (b % 5) + lines[k]
            text = "".join(lines)
        else:
            lines[k], lines[m] = lines[m], lines[k]
            text = "".join(lines)
    return text


@needs_corpus
@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(SOURCES or ["a: 1\n"]), steps=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_corpus_files_never_raise(source: str, steps: list[tuple[str, int, int, str]]) -> None:
    head = mutate(source, steps)
    for base, new in ((source, head), (head, source)):
        result = run_texts(base, new, engine.CheckOptions(), "fuzz.yaml")
        for finding in result.findings:
            assert finding.location.line >= 1
            assert "\n" not in finding.message


@settings(max_examples=200, deadline=None, derandomize=True)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    result = run_texts(None, "apiVersion: batch/v1\nkind: Job\n" + text, engine.CheckOptions(), "bytes.yaml")
    assert all(f.location.line >= 1 for f in result.findings)
