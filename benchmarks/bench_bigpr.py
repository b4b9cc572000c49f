"""Benchmark: the API cost of `jobguard review` on big pull/merge requests, against the fake GitHub and GitLab.

A change of K Job files (default K = 1, 10, 100, 500), each with one image bump: one `job-immutable-field`
finding per file (issue 17). For each K and platform, with a checkout (GitHub: fetch-depth: 0) and without one,
two runs of `jobguard review` through the real PyGithub / python-gitlab (GitHub requests validated against the
OpenAPI subset): the first posts, the second re-runs the unchanged change. Printed per run: findings, REST reads,
REST writes, GraphQL queries (GitHub's own rate-limit bucket) and wall seconds. Pacing between requests is off.

Usage: python benchmarks/bench_bigpr.py [--sizes 1,10,100,500]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobguard.pipeline import RunOptions  # noqa: E402
from jobguard.review import ReviewSettings, run_review  # noqa: E402
from tests.fakes.github import FakeGitHub, load_contract  # noqa: E402
from tests.fakes.gitlab import FakeGitLab  # noqa: E402
from tests.samples import migrate_job  # noqa: E402
from tests.test_github_platform import PR, REPO, TOKEN, open_pr  # noqa: E402
from tests.test_gitlab_platform import TOKEN as GITLAB_TOKEN  # noqa: E402
from tests.test_gitlab_platform import GitBackedGitLab, ci_env  # noqa: E402

RULE = "job-immutable-field"


@dataclass(frozen=True)
class Run:
    """One `jobguard review` as the fake counted it."""

    findings: int
    reads: int
    writes: int
    graphql: int
    seconds: float


def change(count: int) -> tuple[dict[str, str], dict[str, str]]:
    """`count` Job files whose image is bumped, plus a README."""
    base = {f"apps/team{i:03}/migrate.yaml": migrate_job(f"team{i:03}") for i in range(count)}
    head = {path: text.replace("app:1.0", "app:1.1") for path, text in base.items()}
    return {**base, "README.md": "# gitops\n"}, {**head, "README.md": "# gitops\n"}


def review_once(fake: FakeGitHub, pr: PR) -> Run:
    fake.reset_log()
    graphql_before = fake.graphql_rate_used
    started = time.perf_counter()
    platform = pr.platform()
    try:
        outcome = run_review(platform, RunOptions(), ReviewSettings(sarif_path=pr.tmp / "jobguard.sarif"))
    finally:
        platform.close()
    seconds = time.perf_counter() - started
    found = sum(1 for f in outcome.findings if f.rule == RULE)
    graphql = fake.graphql_rate_used - graphql_before
    return Run(found, fake.reads - graphql, fake.writes, graphql, seconds)  # the fake counts queries as reads


def bench(count: int, local: bool, tmp: Path) -> tuple[Run, Run]:
    base, head = change(count)
    with FakeGitHub(load_contract()) as fake:
        fake.token = TOKEN
        fake.default_repo = fake.add_repo(REPO, default_branch="master").full_name
        pr = open_pr(fake, tmp, base, head, local=local)
        first, second = review_once(fake, pr), review_once(fake, pr)
        if fake.contract_violations:
            raise SystemExit("contract violations:\n" + "\n".join(fake.contract_violations))
    return first, second


def gitlab_once(fake: FakeGitLab, env: dict[str, str]) -> Run:
    from jobguard.platforms.gitlab import from_env

    fake.reset_log()
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the job log's report: not part of the table
        platform = from_env(env)
        try:
            outcome = run_review(platform, RunOptions(), ReviewSettings())
        finally:
            platform.close()
    seconds = time.perf_counter() - started
    reads = sum(1 for r in fake.requests if r.method == "GET")
    found = sum(1 for f in outcome.findings if f.rule == RULE)
    return Run(found, reads, len(fake.requests) - reads, 0, seconds)


def bench_gitlab(count: int, local: bool, tmp: Path) -> tuple[Run, Run]:
    base, head = change(count)
    tmp.mkdir(parents=True)
    server = GitBackedGitLab(tmp / "repo") if local else FakeGitLab(tokens={GITLAB_TOKEN: "api"})
    with server as fake:
        mr = fake.add_merge_request(base, head)
        (tmp / "empty").mkdir()
        env = ci_env(fake, mr, fake.repo if isinstance(fake, GitBackedGitLab) else tmp / "empty")
        return gitlab_once(fake, env), gitlab_once(fake, env)


BENCHES = {"GitHub": bench, "GitLab": bench_gitlab}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,500", help="comma-separated numbers of changed Job files")
    parser.add_argument("--platforms", default="GitHub,GitLab", help="comma-separated: GitHub, GitLab")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="jobguard-bench-bigpr-") as work:
        os.environ.update(HOME=work, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
        print("| platform | findings | checkout | run | REST reads | REST writes | GraphQL queries | seconds |")
        print("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: |")
        for name in args.platforms.split(","):
            for count in sizes:
                for local in (True, False):
                    where = Path(work) / f"{name}-{count}-{'local' if local else 'api'}"
                    for label, run in zip(("first", "re-run"), BENCHES[name](count, local, where), strict=True):
                        print(
                            f"| {name} | {run.findings} | {'yes' if local else 'no'} | {label} | {run.reads} "
                            f"| {run.writes} | {run.graphql} | {run.seconds:.1f} |",
                            flush=True,
                        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
