"""Read a hashed requirements lock (`uv pip compile` / `pip-compile --generate-hashes` output) and check it
against the specifiers it was compiled from, without the network and without comparing installed metadata:
the image's lock must stay *consistent*, not equal to whatever PyPI serves today (an upstream patch release must
not turn the suite red).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# The interpreter the image runs (the Dockerfile's base, python:3.12.11-slim-bookworm), for requirement markers.
IMAGE_MARKERS = {"python_version": "3.12", "python_full_version": "3.12.11", "sys_platform": "linux",
                 "platform_system": "Linux", "platform_machine": "x86_64", "implementation_name": "cpython",
                 "platform_python_implementation": "CPython", "os_name": "posix", "extra": ""}  # fmt: skip
PIN = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)")
HASH = re.compile(r"--hash=(?P<algo>\w+):(?P<digest>[0-9a-f]+)")


@dataclass(frozen=True)
class Pin:
    """One locked package: `name==version`, its `--hash` options, and who needs it (the `# via` annotation)."""

    name: str  # canonical
    version: str
    hashes: tuple[str, ...]  # "algo:digest"
    via: tuple[str, ...]  # canonical package names, or a source such as "jobguard (pyproject.toml)"


def logical_lines(text: str) -> list[str]:
    """Physical lines with backslash continuations joined; comment lines stay separate."""
    joined = re.sub(r"\\\n", " ", text)
    return [line.rstrip() for line in joined.splitlines() if line.strip()]


def via_names(comment: str) -> list[str]:
    """`# via a` or `#   a` (a continuation of a bare `# via`): the names it lists."""
    body = comment.lstrip("#").strip()
    if body.startswith("via"):
        body = body[3:].strip()
    return [body] if body else []


def parse(text: str) -> list[Pin]:
    """Every pin in file order (duplicates kept, so a check can report them)."""
    pins: list[Pin] = []
    for line in (raw.strip() for raw in logical_lines(text)):
        if line.startswith("#"):
            if pins and (line.lstrip("#").strip().startswith("via") or line.startswith("#   ")):
                last = pins[-1]
                names = tuple(source_name(v) for v in via_names(line))
                pins[-1] = Pin(last.name, last.version, last.hashes, last.via + names)
            continue
        if line.startswith("-"):  # options such as --index-url
            continue
        match = PIN.match(line)
        name, version = (match["name"], match["version"]) if match else (re.split(r"[\s<>=!~;\[]", line)[0], "")
        hashes = tuple(f"{m['algo']}:{m['digest']}" for m in HASH.finditer(line))
        pins.append(Pin(canonicalize_name(name), version, hashes, ()))
    return pins


def source_name(via: str) -> str:
    """A `# via` entry as a graph node: package names canonical, sources (`-r file`, `x (pyproject.toml)`) verbatim."""
    return via if (" " in via or via.startswith("-")) else canonicalize_name(via)


def applicable(requirements: Iterable[str]) -> list[Requirement]:
    """The requirements whose markers hold in the image."""
    parsed = [Requirement(text) for text in requirements]
    return [r for r in parsed if r.marker is None or r.marker.evaluate(IMAGE_MARKERS)]


def sha256(pin: Pin) -> bool:
    return any(h.startswith("sha256:") for h in pin.hashes)


def duplicate_problems(pins: Sequence[Pin]) -> list[str]:
    counts = Counter(pin.name for pin in pins)
    return [f"{name} is pinned {count} times" for name, count in counts.items() if count > 1]


def pin_problems(pins: Sequence[Pin]) -> list[str]:
    """Each entry an exact `==` pin carrying at least one sha256 hash (pip's --require-hashes mode)."""
    problems = [f"{pin.name} is not pinned with ==" for pin in pins if not pin.version]
    problems += [
        f"{pin.name} has no sha256 hash" for pin in pins if not any(h.startswith("sha256:") for h in pin.hashes)
    ]
    return problems


def specifier_problems(pins: Sequence[Pin], requirements: Iterable[str]) -> list[str]:
    """Each requirement is pinned, and the pinned version satisfies its specifier."""
    locked = {pin.name: pin.version for pin in pins}
    problems = []
    for req in applicable(requirements):
        version = locked.get(canonicalize_name(req.name))
        if version is None:
            problems.append(f"{req.name} is required ({req}) but not pinned")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}=={version} does not satisfy {req}")
    return problems


def reachability_problems(pins: Sequence[Pin], source: str) -> list[str]:
    """Every pin is needed: reachable along the `# via` annotations from `source` (the lock's input), and every
    `# via` names a source or another pin. A pin nothing needs is left over from an older dependency set."""
    names = {pin.name for pin in pins}
    problems = [
        f"{pin.name} is needed via {via}, which is not pinned"
        for pin in pins
        for via in pin.via
        if " " not in via and not via.startswith("-") and via not in names
    ]
    reached = {source}
    grew = True
    while grew:
        new = {pin.name for pin in pins if pin.name not in reached and reached & set(pin.via)}
        reached |= new
        grew = bool(new)
    problems += [f"{pin.name} is not reachable from {source}" for pin in pins if pin.name not in reached]
    return problems


def direct_problems(pins: Sequence[Pin], source: str, requirements: Iterable[str]) -> list[str]:
    """The pins the lock says come straight from `source` are exactly its requirements (a dependency removed from
    pyproject must not linger in the lock as a direct one)."""
    direct = {pin.name for pin in pins if source in pin.via}
    wanted = {canonicalize_name(r.name) for r in applicable(requirements)}
    return [f"{name} is pinned via {source} but not required there" for name in sorted(direct - wanted)] + [
        f"{name} is required but the lock does not list it via {source}" for name in sorted(wanted - direct)
    ]


def lock_problems(text: str, source: str, requirements: Sequence[str]) -> list[str]:
    """All checks on one lock text: what `source` (the `# via` name of the lock's input) requires."""
    pins = parse(text)
    return (
        duplicate_problems(pins)
        + pin_problems(pins)
        + specifier_problems(pins, requirements)
        + direct_problems(pins, source, requirements)
        + reachability_problems(pins, source)
    )
