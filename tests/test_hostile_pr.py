"""One hostile pull request, reviewed by `jobguard review` on the fake GitHub and the fake GitLab (issue 14).

The change tries every way of making text speak in jobguard's voice: Job names carrying suggestion fences,
@mentions, links, HTML, workflow commands and jobguard's own hidden markers; another user's comment carrying
jobguard's markers; 401 findings; a 70,000-character name. Whatever it writes must stay inert in the bot's comments
(checked with a CommonMark parser, as the platforms render it), no finding may be lost (each one is in a comment,
the summary or the log, and in the report files), and the job fails (exit 1).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from jobguard.comments import SUMMARY_MARKER, fingerprint_of
from jobguard.findings import Finding, fingerprint
from jobguard.pipeline import RunOptions
from jobguard.platforms.github.api import Api
from jobguard.review import ReviewSettings, run_review
from tests.fakes.github import FakeGitHub, fake_github, github_contract
from tests.fakes.gitlab import MergeRequest
from tests.test_github_platform import FAST, NUMBER, REPO, TOKEN, open_pr
from tests.test_gitlab_platform import GitBackedGitLab, ci_env
from tests.test_gitlab_review import REPORT, run_cli
from tests.test_inert import HOSTILE

__all__ = ["fake_github", "github_contract"]

IMAGE = "spec.template.spec.containers[0].image"
LONG_NAME = "n" * 70_000
NAMES = [  # YAML double-quoted: `\n` is a real newline in the name
    HOSTILE,
    "x](https://evil.example/pwn) [click here",
    "<details open><summary>approved</summary>",
    "<!-- jobguard:fingerprint=0123456789abcdef -->",
    "<!-- jobguard:summary -->",
    "<!-- jobguard:fixed -->",
    "````\\n@here ```` ~~~",
    "::error::pwned\\n::stop-commands::tok\\n::warning::x",
    "www.evil.example #1 @org/team @octocat",
]
HOSTILE_FILE = "apps/0-hostile.yaml"
MANY = 401
_JOBGUARD_HTML = re.compile(
    r"<!-- jobguard:(summary|fixed|fingerprint=[0-9a-f]{16}) -->|</?details>|<summary>[^<>]*</summary>|</?summary>"
)


def job(name: str, image: str) -> str:
    return (
        "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n"
        f'  name: "{name}"\n'
        "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
        f"        - name: c\n          image: app:{image}\n"
    )


def manifests(image: str) -> dict[str, str]:
    """The repository at one image tag: the hostile names, the 70,000-character one, and 401 plain Jobs."""
    files = {HOSTILE_FILE: "".join(job(n, image) for n in NAMES), "apps/1-long.yaml": job(LONG_NAME, image)}
    for start in range(0, MANY, 20):
        files[f"apps/many-{start:03d}.yaml"] = "".join(
            job(f"job-{i}", image) for i in range(start, min(MANY, start + 20))
        )
    return {**files, "README.md": "# gitops\n"}


BASE, HEAD = manifests("1.0"), manifests("1.1")
# the finding of the first hostile Job, which another user's comment claims is already posted
PLANTED = fingerprint("job-immutable-field", HOSTILE_FILE, "batch", "Job", None, HOSTILE.replace("\\n", "\n"), IMAGE)


# ------------------------------------------------------------------------------------------------ the oracle


def live_text(body: str) -> list[str]:
    """What a body makes live when GitHub or GitLab renders it: text outside code, HTML, links, images, and the
    payload lines of every suggestion block (CommonMark with tables, as both platforms parse it)."""
    found: list[str] = []
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    suggestions = [t for t in tokens if t.type == "fence" and t.info.startswith("suggestion")]
    if len(suggestions) > 1:
        found.append(f"{len(suggestions)} suggestion blocks")
    for token in _walk(tokens):
        if token.type == "text":
            found.extend(re.findall(r"(?<![\w`])@[\w-]+|://|www\.|^::\w", token.content, flags=re.M))
        elif token.type in ("html_inline", "html_block"):
            found.extend(_JOBGUARD_HTML.sub("", token.content).strip().splitlines())
        elif token.type in ("link_open", "image", "autolink"):
            found.append(token.type)
    for block in suggestions:
        found.extend(line for line in block.content.splitlines() if line.lstrip().startswith(("rm -rf", "@")))
    return found


def _walk(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from _walk(token.children or ())


def test_the_oracle_sees_what_renders_live() -> None:
    assert live_text("plain `@octocat <img>` text\n\n```diff\n@x\n```\n<!-- jobguard:summary -->\n") == []
    assert live_text("hi @octocat and <img src=x> and [a](http://b)") == ["@octocat", "<img src=x>", "link_open"]
    assert live_text("```suggestion\na\n```\n\n```suggestion\nrm -rf /\n```\n") == ["2 suggestion blocks", "rm -rf /"]


def shown_everywhere(findings: Sequence[Finding], inline: set[str], texts: Sequence[str]) -> list[str]:
    """Findings reachable nowhere: neither an inline comment of jobguard's nor a row (place and rule) in the
    summary comment or the log."""
    return [
        f.fingerprint
        for f in findings
        if f.fingerprint not in inline
        and not any(f"{f.location.path}:{f.location.line}`" in t and f.rule in t for t in texts)
    ]


# ------------------------------------------------------------------------------------------------ GitHub


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.token = TOKEN
    fake_github.default_repo = fake_github.add_repo(REPO, default_branch="master").full_name
    return fake_github


def test_a_hostile_pull_request_on_github(fake: FakeGitHub, tmp_path: Path) -> None:
    pr = open_pr(fake, tmp_path, BASE, HEAD, local=True)
    mallory = Api(fake.add_user_token("ghp_mallory", "mallory"), fake.url, FAST)
    comments_url = f"/repos/{REPO}/issues/{NUMBER}/comments"
    mallory.request("x", "POST", comments_url, body={"body": f"{SUMMARY_MARKER}\n### jobguard\n\nAll clear."})
    planted = {"commit_id": pr.head_sha, "path": HOSTILE_FILE, "line": 12, "side": "RIGHT"}
    planted["body"] = f"Already reviewed.\n\n<!-- jobguard:fingerprint={PLANTED} -->\n"
    mallory.request("x", "POST", f"/repos/{REPO}/pulls/{NUMBER}/comments", body=planted)

    sarif = tmp_path / "jobguard.sarif"
    outcome = run_review(pr.platform(), RunOptions(), ReviewSettings(sarif_path=sarif))
    findings = outcome.findings
    assert outcome.exit_code == 1 and len(findings) > MANY and PLANTED in outcome.report.inline_posted

    own = [c.body for c in fake.comments_of(NUMBER) if c.user == "github-actions[bot]"]
    own += [c.body for c in fake.issue_comments.values() if c.user == "github-actions[bot]"]
    assert {body: live_text(body) for body in own if live_text(body)} == {}
    assert all(len(body) <= 65_536 for body in own)
    assert all(any(text in body for body in own) for text in ("@octocat", "rm -rf", "fingerprint=0123456789abcdef"))
    (summary,) = [body for body in own if body.startswith(SUMMARY_MARKER)]
    assert "more finding(s) that do not fit in one comment" in summary
    assert [c.body for c in fake.issue_comments.values() if c.user == "mallory"] == [
        f"{SUMMARY_MARKER}\n### jobguard\n\nAll clear."
    ]

    log = pr.stdout.getvalue()
    assert [line for line in log.splitlines() if line.startswith("::") and not _annotation(line)] == []
    inline = {fp for body in own if (fp := fingerprint_of(body))}
    assert shown_everywhere(findings, inline, [summary, log, pr.summary_text()]) == []
    sarif_fingerprints = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert len(sarif_fingerprints) == len(findings)

    again = run_review(pr.platform(), RunOptions(), ReviewSettings(sarif_path=sarif))
    assert again.exit_code == 1 and again.report.inline_posted == [] and again.report.resolved == []


def _annotation(line: str) -> bool:
    return (
        re.match(r"::(error|warning|notice) file=[^:]*,line=\d+,endLine=\d+,title=jobguard [\w-]+::", line) is not None
    )


# ------------------------------------------------------------------------------------------------ GitLab


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[GitBackedGitLab]:
    with GitBackedGitLab(tmp_path / "repo") as server:
        yield server


def test_a_hostile_merge_request_on_gitlab(
    gitlab: GitBackedGitLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mr: MergeRequest = gitlab.add_merge_request(BASE, HEAD)
    mallory = gitlab.client(private_token=gitlab.add_user_token("glpat-mallory", "mallory"))
    merge_request = mallory.projects.get(mr.project.id, lazy=True).mergerequests.get(mr.iid, lazy=True)
    merge_request.notes.create({"body": f"{SUMMARY_MARKER}\n### jobguard\n\nAll clear."})
    merge_request.discussions.create({"body": f"Already reviewed.\n\n<!-- jobguard:fingerprint={PLANTED} -->\n"})
    env: Mapping[str, str] = ci_env(gitlab, mr, gitlab.repo)

    assert run_cli(monkeypatch, env, "review") == 1
    log = capsys.readouterr().out
    report = json.loads((gitlab.repo / REPORT).read_text(encoding="utf-8"))
    assert len(report) > MANY

    own = [n.body for n in mr.notes() if n.author.username == gitlab.bot.username]
    assert {body: live_text(body) for body in own if live_text(body)} == {}
    assert all(any(text in body for body in own) for text in ("@octocat", "rm -rf", "fingerprint=0123456789abcdef"))
    (summary,) = [body for body in own if body.startswith(SUMMARY_MARKER)]
    inline = {fp for body in own if (fp := fingerprint_of(body))}
    assert PLANTED in inline
    rows = [summary, log]
    lost = [
        r["fingerprint"]
        for r in report
        if r["fingerprint"] not in inline
        and not any(f"{r['location']['path']}:{r['location']['lines']['begin']}`" in t for t in rows)
    ]
    assert lost == []
    assert next(n.body for n in mr.notes() if n.author.username == "mallory").endswith("All clear.")

    gitlab.reset_log()
    assert run_cli(monkeypatch, env, "review") == 1
    assert gitlab.writes == 0  # a re-run neither re-posts nor resolves: the markers in names count for nothing
