"""What kube-apiserver refuses in a batch/v1 Job before it stores it, as rows only (issue 15).

Two stages, in the server's order: the JSON decode of the request body (kubectl and Argo CD convert YAML to JSON
first, so `'2'` stays a string and refuses an int32 field), then `ValidateJob` / `ValidateJobUpdate`
(pkg/apis/batch/validation/validation.go) with the pod template checks of pkg/apis/core/validation/validation.go.
Each row cites the Go function it mirrors (kubernetes/kubernetes master as read in December 2026); `validate` and
`validate_pod` interpret them, and tests/test_validation.py holds every row against positive and negative cases.
"""

from __future__ import annotations

from dataclasses import dataclass

_BATCH = "batch/validation/validation.go"
_CORE = "core/validation/validation.go"
_DECODE = "encoding/json UnmarshalTypeError via sigs.k8s.io/json; types from k8s.io/api batch/v1, core/v1"

# ---- stage 1: decoding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """The Go type of the field at `path` ("*" is every list element) and the struct that declares it."""

    path: tuple[str, ...]
    go_type: str
    struct: str
    source: str = _DECODE


_POD = ("spec", "template", "spec")
_CONTAINER_LISTS = ("containers", "initContainers")


def _spec(go_type: str, *names: str) -> tuple[Typed, ...]:
    return tuple(Typed(("spec", n), go_type, "JobSpec") for n in names)


def _pod(go_type: str, *names: str) -> tuple[Typed, ...]:
    return tuple(Typed((*_POD, n), go_type, "PodSpec") for n in names)


def _container(go_type: str, *names: str, below: tuple[str, ...] = (), struct: str = "Container") -> tuple[Typed, ...]:
    return tuple(Typed((*_POD, lst, "*", *below, n), go_type, struct) for lst in _CONTAINER_LISTS for n in names)


TYPED_FIELDS: tuple[Typed, ...] = (
    *(Typed(("metadata", n), "string", "ObjectMeta") for n in ("name", "namespace", "generateName")),
    *(Typed(("metadata", n), "map[string]string", "ObjectMeta") for n in ("labels", "annotations")),
    *_spec("int32", "parallelism", "completions", "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes",
           "ttlSecondsAfterFinished"),
    *_spec("int64", "activeDeadlineSeconds"),
    *_spec("bool", "suspend", "manualSelector"),
    *_spec("string", "completionMode", "podReplacementPolicy", "managedBy"),
    *(Typed(("spec", "template", "metadata", n), "map[string]string", "ObjectMeta") for n in ("labels", "annotations")),
    *_pod("string", "restartPolicy", "serviceAccountName", "priorityClassName", "dnsPolicy", "schedulerName"),
    *_pod("int64", "terminationGracePeriodSeconds", "activeDeadlineSeconds"),
    *_pod("bool", "hostNetwork", "automountServiceAccountToken", "enableServiceLinks"),
    *_pod("map[string]string", "nodeSelector"),
    *_pod("[]v1.Container", "containers", "initContainers"),
    *_pod("[]v1.Volume", "volumes"),
    *_pod("[]v1.Toleration", "tolerations"),
    *_container("string", "name", "image", "imagePullPolicy", "workingDir"),
    *_container("[]string", "command", "args"),
    *_container("[]v1.EnvVar", "env"),
    *_container("[]v1.ContainerPort", "ports"),
    *_container("string", "name", "value", below=("env", "*"), struct="EnvVar"),
    *_container("int32", "containerPort", below=("ports", "*"), struct="ContainerPort"),
)  # fmt: skip

# ---- stage 2: validation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nonnegative:
    """`spec.<field>` must be >= 0 (apivalidation.ValidateNonnegativeField)."""

    field: str
    source: str


@dataclass(frozen=True)
class Supported:
    """The value at `path` (or `default` when unset) must be one of `values` (field.NotSupported)."""

    path: tuple[str, ...]
    values: tuple[str, ...]
    default: str | None
    source: str


@dataclass(frozen=True)
class NeedsIndexed:
    """`spec.<field>` is refused unless `completionMode: Indexed`: "requires indexed completion mode"."""

    field: str
    source: str


@dataclass(frozen=True)
class IndexedLimits:
    """Indexed Jobs: completions required, parallelism <= 100000, maxFailedIndexes <= completions."""

    source: str


@dataclass(frozen=True)
class MaxFailedIndexes:
    """maxFailedIndexes needs backoffLimitPerIndex, and stays within `limit` (Indexed Jobs)."""

    limit: int
    source: str


@dataclass(frozen=True)
class RestartPolicy:
    """OnFailure or Never (unset is defaulted to Always, refused); with a podFailurePolicy only Never."""

    allowed: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class IndexedHostname:
    """An Indexed Job's last pod hostname `<name>-<completions-1>` must be a DNS-1123 label."""

    source: str


@dataclass(frozen=True)
class PodFailurePolicy:
    """Actions and operators that exist, FailIndex with backoffLimitPerIndex, one of onExitCodes/onPodConditions,
    exit code values present, unique, ordered and not 0 for `In`."""

    actions: tuple[str, ...]
    operators: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class PodReplacementPolicy:
    """One of `values`; with a podFailurePolicy only `with_failure_policy`."""

    values: tuple[str, ...]
    with_failure_policy: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class JobName:
    """metadata.name is a DNS-1123 subdomain of at most `max_length` characters."""

    max_length: int
    source: str


@dataclass(frozen=True)
class JobNameLabel:
    """The `job-name` template label the server adds (unless manualSelector) is a label value: at most 63."""

    max_label: int
    source: str


@dataclass(frozen=True)
class Containers:
    """At least one container; names are unique DNS-1123 labels; an image is required."""

    source: str


@dataclass(frozen=True)
class RequestsWithinLimits:
    """A container's resource request may not exceed its limit for the same resource."""

    source: str


@dataclass(frozen=True)
class ManualSelector:
    """With `manualSelector: true` the manifest's selector is required and must match the template labels."""

    source: str


Check = (
    Nonnegative | Supported | NeedsIndexed | IndexedLimits | MaxFailedIndexes | RestartPolicy | IndexedHostname
    | PodFailurePolicy | PodReplacementPolicy | JobName | JobNameLabel | Containers | RequestsWithinLimits
    | ManualSelector
)  # fmt: skip

_JOB_SPEC = f"{_BATCH} validateJobSpec"
# In the order the server reports them: ValidateJob (metadata, then validateJobSpec's own order, the pod template,
# the restart policy, then ValidateJobSpec's selector checks, then the Indexed hostname).
CHECKS: tuple[Check, ...] = (
    JobName(253, f"{_BATCH} ValidateJob (ValidateReplicationControllerName, IsDNS1123Subdomain)"),
    *(Nonnegative(f, _JOB_SPEC) for f in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                                          "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes")),
    MaxFailedIndexes(100000, f"{_JOB_SPEC} (maxFailedIndexesForIndexedJob)"),
    Supported(("spec", "completionMode"), ("NonIndexed", "Indexed"), None, _JOB_SPEC),
    IndexedLimits(_JOB_SPEC),
    *(NeedsIndexed(f, _JOB_SPEC) for f in ("backoffLimitPerIndex", "maxFailedIndexes", "successPolicy")),
    PodFailurePolicy(("Count", "FailIndex", "FailJob", "Ignore"), ("In", "NotIn"),
                     f"{_BATCH} validatePodFailurePolicyRule, validatePodFailurePolicyRuleOnExitCodes"),
    PodReplacementPolicy(("Failed", "TerminatingOrFailed"), ("Failed",), f"{_BATCH} validatePodReplacementPolicy"),
    JobNameLabel(63, f"{_CORE} ValidatePodTemplateSpec (ValidateLabels) on the label "
                     "registry/batch/job/strategy.go generateSelector adds"),
    Containers(f"{_CORE} ValidatePodSpec, validateContainers, validateInitContainers, validateContainerCommon"),
    RequestsWithinLimits(f"{_CORE} ValidateResourceRequirements"),
    RestartPolicy(("OnFailure", "Never"), _JOB_SPEC),
    ManualSelector(f"{_BATCH} ValidateJobSpec"),
    IndexedHostname(f"{_BATCH} ValidateJob"),
)  # fmt: skip
