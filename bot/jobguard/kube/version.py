"""Kubernetes minors jobguard knows, and every version gate by name (spec job-immutability.md §2, §3, §4).

"Since" is the first minor in which a behaviour is on by default (beta or GA), as in the spec tables; naming
each gate keeps the logic free of bare minor numbers that mean different things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BACKOFF_LIMIT_PER_INDEX",
    "DEFAULT",
    "ELASTIC_INDEXED_JOB",
    "INDEXED_JOB",
    "JOB_MANAGED_BY",
    "JOB_POD_FAILURE_POLICY",
    "JOB_POD_REPLACEMENT_POLICY",
    "JOB_SUCCESS_POLICY",
    "MUTABLE_POD_RESOURCES_FOR_SUSPENDED_JOBS",
    "MUTABLE_SCHEDULING_DIRECTIVES",
    "MUTABLE_SCHEDULING_DIRECTIVES_FOR_SUSPENDED_JOBS",
    "NEWEST",
    "OLDEST",
    "POD_SCHEDULING_READINESS",
    "PREFIXED_JOB_LABELS",
    "SUSPEND_JOB",
    "TTL_AFTER_FINISHED",
    "KubeVersion",
]

_OLDEST_MINOR = 20
_NEWEST_MINOR = 37  # newest minor in the spec tables
_VERSION_RE = re.compile(r"v?1\.(\d{1,3})(?:\.\d{1,4})?")


@dataclass(frozen=True, order=True)
class KubeVersion:
    """A Kubernetes minor version (major is always 1); ordering follows the minor."""

    minor: int

    @classmethod
    def parse(cls, text: str) -> KubeVersion:
        """Parse "1.30", "v1.30" or "1.30.2"; ValueError for anything else or an unsupported minor."""
        cleaned = text.strip() if isinstance(text, str) else ""
        match = _VERSION_RE.fullmatch(cleaned)
        if match is None:
            raise ValueError(
                f"invalid Kubernetes version {text!r}: expected '1.<minor>', 'v1.<minor>' or '1.<minor>.<patch>'"
            )
        minor = int(match.group(1))
        if not _OLDEST_MINOR <= minor <= _NEWEST_MINOR:
            raise ValueError(
                f"unsupported Kubernetes version {text!r}: jobguard knows 1.{_OLDEST_MINOR} to 1.{_NEWEST_MINOR}"
            )
        return cls(minor)

    @property
    def previous(self) -> KubeVersion:
        """The minor before this one ("1.35 and older" for a gate that arrives in 1.36)."""
        return KubeVersion(self.minor - 1)

    def __str__(self) -> str:
        return f"1.{self.minor}"


OLDEST = KubeVersion(_OLDEST_MINOR)
NEWEST = KubeVersion(_NEWEST_MINOR)
DEFAULT = NEWEST

# kube_features.go gates (and one API change), by the minor they are on by default.
TTL_AFTER_FINISHED = KubeVersion(21)  # TTLAfterFinished: spec.ttlSecondsAfterFinished
INDEXED_JOB = KubeVersion(22)  # IndexedJob: spec.completionMode
SUSPEND_JOB = KubeVersion(22)  # SuspendJob: spec.suspend
MUTABLE_SCHEDULING_DIRECTIVES = KubeVersion(23)  # JobMutableNodeSchedulingDirectives (KEP-2926)
JOB_POD_FAILURE_POLICY = KubeVersion(26)  # JobPodFailurePolicy: spec.podFailurePolicy
ELASTIC_INDEXED_JOB = KubeVersion(27)  # ElasticIndexedJob (KEP-3715): completions with parallelism
POD_SCHEDULING_READINESS = KubeVersion(27)  # PodSchedulingReadiness: pod spec schedulingGates
PREFIXED_JOB_LABELS = KubeVersion(27)  # batch.kubernetes.io/ job-name and controller-uid labels (batch/types.go)
BACKOFF_LIMIT_PER_INDEX = KubeVersion(29)  # JobBackoffLimitPerIndex: backoffLimitPerIndex, maxFailedIndexes
JOB_POD_REPLACEMENT_POLICY = KubeVersion(29)  # JobPodReplacementPolicy: spec.podReplacementPolicy
JOB_SUCCESS_POLICY = KubeVersion(31)  # JobSuccessPolicy: spec.successPolicy
JOB_MANAGED_BY = KubeVersion(32)  # JobManagedBy: spec.managedBy
MUTABLE_POD_RESOURCES_FOR_SUSPENDED_JOBS = KubeVersion(36)  # MutablePodResourcesForSuspendedJobs (KEP-5440)
MUTABLE_SCHEDULING_DIRECTIVES_FOR_SUSPENDED_JOBS = KubeVersion(36)  # same name in kube_features.go (KEP-5440)
