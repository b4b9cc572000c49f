"""Benchmark: how many findings of the real corpus are one click away, on GitHub and on GitLab.

Each real edit of ../shared/corpus/edits (override with JOBGUARD_CORPUS) becomes a git repository and a pull request
on the fake GitHub, then a merge request on the fake GitLab; `jobguard review` runs through the real CLI and adapters
against each, and every suggestion it posted is applied the way the platform applies it (tests/oneclick.py). A
finding is one click away when a suggestion (its own, or the one its comment points to) yields exactly one of its
verified fixes. Prints the share per platform and per rule, the changes whose every finding is one click away, how
far GitLab suggestions reach from their anchor, findings given two competing suggestions (must be 0),
and suggestions whose lines overlap another's (applying one leaves the other outdated).

Usage: .venv/bin/python benchmarks/bench_oneclick.py [--limit N] [--platform github|gitlab|both] [--misses]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import oneclick
from tests.corpus import edits
from tests.fakes.github import load_contract


def measure(platform: str, limit: int | None, misses: bool) -> None:
    contract = load_contract() if platform == "github" else None
    total, clicks, changes, whole, doubled = Counter[str](), Counter[str](), 0, 0, 0
    reach: list[int] = []
    overlapping = 0
    started = time.monotonic()
    for n, edit in enumerate(edits()):
        if limit is not None and n >= limit:
            break
        with oneclick.scratch() as tmp:
            if platform == "github":
                outcome = oneclick.on_github(edit.path, edit.base, edit.head, Path(tmp), contract)
            else:
                outcome = oneclick.on_gitlab(edit.path, edit.base, edit.head, Path(tmp))
        reach.extend(outcome.reach)
        overlapping += outcome.overlapping()
        if not outcome.findings:
            continue
        changes += 1
        every = True
        for finding in outcome.findings:
            rule = str(finding["rule"])
            total[rule] += 1
            hit = outcome.one_click(finding)
            clicks[rule] += hit
            every &= hit
            doubled += outcome.suggestions(str(finding["fingerprint"])) > 1
            if misses and not hit:
                print(f"  miss: {edit.name} {rule} line {finding['line']}")
        whole += every
    seconds = time.monotonic() - started
    print(
        f"{platform}: {sum(clicks.values())} of {sum(total.values())} findings one click away "
        f"({_share(sum(clicks.values()), sum(total.values()))}); every finding in {whole} of {changes} changes; "
        f"findings with two suggestions: {doubled}; {seconds:.0f} s"
    )
    print(f"  suggestions whose lines overlap another suggestion's: {overlapping}")
    if reach:
        print(f"  suggestions reach from their anchor: median {statistics.median(reach):g}, max {max(reach)} lines")
    for rule in sorted(total):
        print(f"  {rule:32} {clicks[rule]:4} / {total[rule]:<4} {_share(clicks[rule], total[rule])}")


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="only the first N edits")
    parser.add_argument("--platform", choices=("github", "gitlab", "both"), default="both")
    parser.add_argument("--misses", action="store_true", help="list each finding that is not one click away")
    args = parser.parse_args()
    for platform in ("github", "gitlab") if args.platform == "both" else (args.platform,):
        measure(platform, args.limit, args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
