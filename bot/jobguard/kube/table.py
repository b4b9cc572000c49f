"""The Kubernetes facts behind jobguard's verdicts, as rows only (spec job-immutability.md §2, §3, §4, §1.2).

Each row cites the Go source it mirrors (kubernetes/kubernetes unless named), so a reviewer can hold this file
against validation.go, defaults.go and kube_features.go line by line; tests/test_kube_table.py holds the §2 and
§3 rows against the spec's own tables. The interpreters live beside it (`defaults`, `merge`, `immutability`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from jobguard.kube import version as v
from jobguard.kube.version import KubeVersion

_BATCH_VALIDATION = "batch/validation/validation.go"
_BATCH_DEFAULTS = "batch/v1/defaults.go SetDefaults_Job"
_CORE_DEFAULTS = "core/v1/defaults.go"
_CORE_TYPES = "k8s.io/api core/v1/types.go"

# ---- §2: the Job spec -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relaxation:
    """When an otherwise immutable field may change, and from which minor."""

    condition: str
    since: KubeVersion
    source: str


@dataclass(frozen=True)
class ImmutableField:
    """A Job spec field the update check refuses to change; `since` None means always (before `since` the server
    drops the field, so it cannot change)."""

    field: str
    since: KubeVersion | None
    source: str
    relaxed: Relaxation | None = None


# Order: completions, selector, template, then ValidateJobSpecUpdate's own order (reports at one spot keep it).
IMMUTABLE_SPEC_FIELDS: tuple[ImmutableField, ...] = (
    ImmutableField("completions", None, f"{_BATCH_VALIDATION} validateCompletions", Relaxation(
        "Indexed, and completions == parallelism after the update", v.ELASTIC_INDEXED_JOB,
        "kube_features.go ElasticIndexedJob")),
    ImmutableField("selector", None, f"{_BATCH_VALIDATION} ValidateJobSpecUpdate"),
    ImmutableField("template", None, f"{_BATCH_VALIDATION} validatePodTemplateUpdate"),
    ImmutableField("completionMode", v.INDEXED_JOB, f"{_BATCH_VALIDATION} ValidateJobSpecUpdate; IndexedJob"),
    ImmutableField("podFailurePolicy", v.JOB_POD_FAILURE_POLICY,
                   f"{_BATCH_VALIDATION} ValidateJobSpecUpdate; JobPodFailurePolicy"),
    ImmutableField("backoffLimitPerIndex", v.BACKOFF_LIMIT_PER_INDEX,
                   f"{_BATCH_VALIDATION} ValidateJobSpecUpdate; JobBackoffLimitPerIndex"),
    ImmutableField("managedBy", v.JOB_MANAGED_BY, f"{_BATCH_VALIDATION} ValidateJobSpecUpdate; JobManagedBy"),
    ImmutableField("successPolicy", v.JOB_SUCCESS_POLICY,
                   f"{_BATCH_VALIDATION} ValidateJobSpecUpdate; JobSuccessPolicy"),
)  # fmt: skip


@dataclass(frozen=True)
class GatedField:
    """A field (below the Job spec) the server drops while its feature is off by default; mutable ones too."""

    path: tuple[str, ...]
    since: KubeVersion
    source: str


GATED_FIELDS: tuple[GatedField, ...] = (
    GatedField(("ttlSecondsAfterFinished",), v.TTL_AFTER_FINISHED, "kube_features.go TTLAfterFinished"),
    GatedField(("suspend",), v.SUSPEND_JOB, "kube_features.go SuspendJob"),
    GatedField(("maxFailedIndexes",), v.BACKOFF_LIMIT_PER_INDEX, "kube_features.go JobBackoffLimitPerIndex"),
    GatedField(("podReplacementPolicy",), v.JOB_POD_REPLACEMENT_POLICY, "kube_features.go JobPodReplacementPolicy"),
    GatedField(("template", "spec", "schedulingGates"), v.POD_SCHEDULING_READINESS,
               "kube_features.go PodSchedulingReadiness; core/pod/util.go dropDisabledFields"),
)  # fmt: skip

# ---- §3: what may change inside spec.template -------------------------------------------------------------


class Condition(Enum):
    """What the stored (old) Job must be for a template exception to apply."""

    NEVER_STARTED = "suspended and never started"
    SUSPENDED_AFTER_RUN = "suspended after it ran (the controller clears status.startTime)"
    SUSPENDED = "suspended (and, if it ran before, no active pods)"


@dataclass(frozen=True)
class TemplateException:
    """A part of spec.template (path below it; "*" is every list element) validatePodTemplateUpdate lets change."""

    part: tuple[str, ...]
    condition: Condition
    since: KubeVersion
    source: str


_KEP_2926 = f"{_BATCH_VALIDATION} validatePodTemplateUpdate; JobMutableNodeSchedulingDirectives (KEP-2926)"
_KEP_5440_SCHEDULING = "kube_features.go MutableSchedulingDirectivesForSuspendedJobs (KEP-5440)"
_KEP_5440_RESOURCES = "kube_features.go MutablePodResourcesForSuspendedJobs (KEP-5440)"
_SCHEDULING_PARTS: tuple[tuple[tuple[str, ...], KubeVersion, str], ...] = (
    (("metadata", "labels"), v.MUTABLE_SCHEDULING_DIRECTIVES, _KEP_2926),
    (("metadata", "annotations"), v.MUTABLE_SCHEDULING_DIRECTIVES, _KEP_2926),
    (("spec", "nodeSelector"), v.MUTABLE_SCHEDULING_DIRECTIVES, _KEP_2926),
    (("spec", "tolerations"), v.MUTABLE_SCHEDULING_DIRECTIVES, _KEP_2926),
    (("spec", "schedulingGates"), v.POD_SCHEDULING_READINESS, f"{_KEP_2926}; PodSchedulingReadiness"),
    (("spec", "affinity", "nodeAffinity"), v.MUTABLE_SCHEDULING_DIRECTIVES, _KEP_2926),
)

TEMPLATE_EXCEPTIONS: tuple[TemplateException, ...] = (
    *(TemplateException(part, Condition.NEVER_STARTED, since, src) for part, since, src in _SCHEDULING_PARTS),
    *(TemplateException(part, Condition.SUSPENDED_AFTER_RUN, v.MUTABLE_SCHEDULING_DIRECTIVES_FOR_SUSPENDED_JOBS,
                        _KEP_5440_SCHEDULING) for part, _, _ in _SCHEDULING_PARTS),
    TemplateException(("spec", "containers", "*", "resources"), Condition.SUSPENDED,
                      v.MUTABLE_POD_RESOURCES_FOR_SUSPENDED_JOBS, _KEP_5440_RESOURCES),
    TemplateException(("spec", "initContainers", "*", "resources"), Condition.SUSPENDED,
                      v.MUTABLE_POD_RESOURCES_FOR_SUSPENDED_JOBS, _KEP_5440_RESOURCES),
)  # fmt: skip

# ---- §4: what the server adds on create and on every decode -----------------------------------------------


@dataclass(frozen=True)
class Unset:
    """Only if this sibling field is not set."""

    field: str


@dataclass(frozen=True)
class IsSet:
    """Only if this sibling field is set."""

    field: str


@dataclass(frozen=True)
class OnlyKeys:
    """Only if the object holds no field but these (a volume with no source)."""

    fields: tuple[str, ...]


@dataclass(frozen=True)
class Where:
    """A path step that keeps an object only when `field` is exactly `value` (`hostNetwork: true`)."""

    field: str
    value: object


@dataclass(frozen=True)
class CopyOf:
    """The default is the value of a sibling field (nothing when that is unset)."""

    field: str


@dataclass(frozen=True)
class PullPolicyOf:
    """`Always` for image tag `latest` or no tag and no digest, else `IfNotPresent` (SetDefaults_Container)."""

    field: str


Step = str | tuple[str, ...] | Where  # a key, any of these keys, "*" for every map in a list, or a filter


@dataclass(frozen=True)
class Default:
    """`field` of every object at `at` (from the Job root) gets `value` when unset and `when` holds."""

    at: tuple[Step, ...]
    field: str
    value: object
    source: str
    when: Unset | IsSet | OnlyKeys | None = None


_SPEC: tuple[Step, ...] = ("spec",)
_POD: tuple[Step, ...] = ("spec", "template", "spec")
_EACH_CONTAINER: tuple[Step, ...] = (("containers", "initContainers", "ephemeralContainers"), "*")
_CONTAINERS = (*_POD, *_EACH_CONTAINER)
_HOST_NETWORK_PORTS = (*_POD, Where("hostNetwork", True), *_EACH_CONTAINER, "ports", "*")
_PROBES = (*_CONTAINERS, ("livenessProbe", "readinessProbe", "startupProbe"))
_HANDLERS = (*_CONTAINERS, "lifecycle", ("postStart", "preStop"))
_VOLUMES: tuple[Step, ...] = (*_POD, "volumes", "*")
_PROJECTED = (*_VOLUMES, "projected", "sources", "*")
_FIELD_REFS: tuple[tuple[Step, ...], ...] = (
    (*_CONTAINERS, "env", "*", "valueFrom", "fieldRef"),
    (*_VOLUMES, "downwardAPI", "items", "*", "fieldRef"),
    (*_PROJECTED, "downwardAPI", "items", "*", "fieldRef"),
)
_HTTP_GET = f"{_CORE_DEFAULTS} SetDefaults_HTTPGetAction"

DEFAULTS: tuple[Default, ...] = (
    Default(_SPEC, "completions", 1, _BATCH_DEFAULTS, Unset("parallelism")),
    Default(_SPEC, "parallelism", 1, _BATCH_DEFAULTS),
    Default(_SPEC, "backoffLimit", 2147483647, _BATCH_DEFAULTS, IsSet("backoffLimitPerIndex")),
    Default(_SPEC, "backoffLimit", 6, _BATCH_DEFAULTS),
    Default(_SPEC, "completionMode", "NonIndexed", _BATCH_DEFAULTS),
    Default(_SPEC, "suspend", False, _BATCH_DEFAULTS),
    Default(_SPEC, "manualSelector", False, _BATCH_DEFAULTS),
    Default(_SPEC, "podReplacementPolicy", "Failed", _BATCH_DEFAULTS, IsSet("podFailurePolicy")),
    Default(_SPEC, "podReplacementPolicy", "TerminatingOrFailed", _BATCH_DEFAULTS),
    Default((*_SPEC, "podFailurePolicy", "rules", "*", "onPodConditions", "*"), "status", "True", _BATCH_DEFAULTS),
    Default(_POD, "dnsPolicy", "ClusterFirst", f"{_CORE_DEFAULTS} SetDefaults_PodSpec"),
    Default(_POD, "restartPolicy", "Always", f"{_CORE_DEFAULTS} SetDefaults_PodSpec"),
    Default(_POD, "terminationGracePeriodSeconds", 30, f"{_CORE_DEFAULTS} SetDefaults_PodSpec"),
    Default(_POD, "schedulerName", "default-scheduler", f"{_CORE_DEFAULTS} SetDefaults_PodSpec"),
    Default(_POD, "enableServiceLinks", True, f"{_CORE_DEFAULTS} SetDefaults_PodSpec"),
    # securityContext defaults to {}, which equals absent once values are cleaned.
    Default(_CONTAINERS, "imagePullPolicy", PullPolicyOf("image"), f"{_CORE_DEFAULTS} SetDefaults_Container"),
    Default(_CONTAINERS, "terminationMessagePath", "/dev/termination-log", f"{_CORE_DEFAULTS} SetDefaults_Container"),
    Default(_CONTAINERS, "terminationMessagePolicy", "File", f"{_CORE_DEFAULTS} SetDefaults_Container"),
    Default((*_CONTAINERS, "ports", "*"), "protocol", "TCP", f"{_CORE_DEFAULTS} SetDefaults_ContainerPort"),
    Default(_HOST_NETWORK_PORTS, "hostPort", CopyOf("containerPort"), f"{_CORE_DEFAULTS} defaultHostNetworkPorts"),
    *(Default(at, "apiVersion", "v1", f"{_CORE_DEFAULTS} SetDefaults_ObjectFieldSelector") for at in _FIELD_REFS),
    Default(_PROBES, "timeoutSeconds", 1, f"{_CORE_DEFAULTS} SetDefaults_Probe"),
    Default(_PROBES, "periodSeconds", 10, f"{_CORE_DEFAULTS} SetDefaults_Probe"),
    Default(_PROBES, "successThreshold", 1, f"{_CORE_DEFAULTS} SetDefaults_Probe"),
    Default(_PROBES, "failureThreshold", 3, f"{_CORE_DEFAULTS} SetDefaults_Probe"),
    Default((*_PROBES, "httpGet"), "path", "/", _HTTP_GET),
    Default((*_PROBES, "httpGet"), "scheme", "HTTP", _HTTP_GET),
    Default((*_HANDLERS, "httpGet"), "path", "/", _HTTP_GET),
    Default((*_HANDLERS, "httpGet"), "scheme", "HTTP", _HTTP_GET),
    Default(_VOLUMES, "emptyDir", MappingProxyType({}), f"{_CORE_DEFAULTS} SetDefaults_Volume", OnlyKeys(("name",))),
    Default((*_VOLUMES, ("configMap", "secret", "downwardAPI", "projected")), "defaultMode", 420,
            f"{_CORE_DEFAULTS} SetDefaults_{{ConfigMap,Secret,DownwardAPI,Projected}}VolumeSource"),
    Default((*_PROJECTED, "serviceAccountToken"), "expirationSeconds", 3600,
            f"{_CORE_DEFAULTS} SetDefaults_ServiceAccountTokenProjection"),
    Default((*_VOLUMES, "ephemeral", "volumeClaimTemplate", "spec"), "volumeMode", "Filesystem",
            f"{_CORE_DEFAULTS} SetDefaults_PersistentVolumeClaimSpec"),
)  # fmt: skip


@dataclass(frozen=True)
class Alias:
    """A deprecated field conversion folds into its successor; the successor wins when both are set."""

    at: tuple[Step, ...]
    old: str
    new: str
    source: str


ALIASES: tuple[Alias, ...] = (
    Alias(_POD, "serviceAccount", "serviceAccountName", "core/v1/conversion.go Convert_v1_PodSpec_To_core_PodSpec"),
)


class Generated(Enum):
    """Values only the server knows: the Job's uid (a placeholder here) and its name."""

    UID = "uid"
    JOB_NAME = "job-name"


@dataclass(frozen=True)
class GeneratedLabel:
    """A label PrepareForCreate adds unless `manualSelector: true`; `since` None means always."""

    key: str
    value: Generated
    since: KubeVersion | None
    source: str


_GENERATE = "registry/batch/job/strategy.go generateSelector; batch/types.go"
GENERATED_TEMPLATE_LABELS: tuple[GeneratedLabel, ...] = (
    GeneratedLabel("batch.kubernetes.io/controller-uid", Generated.UID, v.PREFIXED_JOB_LABELS, _GENERATE),
    GeneratedLabel("batch.kubernetes.io/job-name", Generated.JOB_NAME, v.PREFIXED_JOB_LABELS, _GENERATE),
    GeneratedLabel("controller-uid", Generated.UID, None, _GENERATE),
    GeneratedLabel("job-name", Generated.JOB_NAME, None, _GENERATE),
)
# The generated spec.selector.matchLabels key: the newest row that applies wins.
GENERATED_SELECTOR: tuple[GeneratedLabel, ...] = (
    GeneratedLabel("controller-uid", Generated.UID, None, _GENERATE),
    GeneratedLabel("batch.kubernetes.io/controller-uid", Generated.UID, v.PREFIXED_JOB_LABELS, _GENERATE),
)

# ---- §1.2, §1.4: how values merge and compare -------------------------------------------------------------


@dataclass(frozen=True)
class MergeList:
    """A list kubectl apply merges element-wise by `key` (patchMergeKey); every other list is atomic."""

    field: str
    key: str
    noun: str
    source: str
    retain_keys: bool = False  # patchStrategy "merge,retainKeys": a merged element keeps only head's fields


_POD_SPEC = f"{_CORE_TYPES} PodSpec"
_CONTAINER = f"{_CORE_TYPES} Container"
MERGE_LISTS: tuple[MergeList, ...] = (
    MergeList("containers", "name", "container", _POD_SPEC),
    MergeList("initContainers", "name", "init container", _POD_SPEC),
    MergeList("ephemeralContainers", "name", "ephemeral container", _POD_SPEC),
    MergeList("volumes", "name", "volume", _POD_SPEC, retain_keys=True),
    MergeList("imagePullSecrets", "name", "image pull secret", _POD_SPEC),
    MergeList("env", "name", "env var", _CONTAINER),
    MergeList("ports", "containerPort", "port", _CONTAINER),
    MergeList("volumeMounts", "mountPath", "volume mount", _CONTAINER),
    MergeList("volumeDevices", "devicePath", "volume device", _CONTAINER),
    MergeList("hostAliases", "ip", "host alias", _POD_SPEC),
    MergeList("topologySpreadConstraints", "topologyKey", "topology spread constraint", _POD_SPEC),
    MergeList("resourceClaims", "name", "resource claim", _POD_SPEC, retain_keys=True),
    MergeList("schedulingGates", "name", "scheduling gate", _POD_SPEC),
)


class Kind(Enum):
    """How a field's value compares and prints."""

    DATA_MAP = "map[string]string: keys are data, printed as [key], empty values kept"
    RESOURCE_LIST = "ResourceList: a data map of quantities, rounded up to milli units (SetDefaults_ResourceList)"
    QUANTITY = "resource.Quantity: equal by value"
    ZERO_OMITTED = "plain omitempty field: its zero value is the same object as absent"


@dataclass(frozen=True)
class ValueField:
    """A field name whose value jobguard must read as the decoder does (§1.4)."""

    name: str
    kind: Kind
    source: str
    zero: object = None


VALUE_FIELDS: tuple[ValueField, ...] = (
    *(ValueField(name, Kind.DATA_MAP, f"{_CORE_TYPES}, meta/v1 types.go") for name in (
        "labels", "annotations", "nodeSelector", "matchLabels", "volumeAttributes", "options")),
    *(ValueField(name, Kind.RESOURCE_LIST, f"{_CORE_TYPES} ResourceRequirements, PodSpec.Overhead")
      for name in ("limits", "requests", "overhead")),
    ValueField("sizeLimit", Kind.QUANTITY, f"{_CORE_TYPES} EmptyDirVolumeSource"),
    ValueField("divisor", Kind.QUANTITY, f"{_CORE_TYPES} ResourceFieldSelector"),
    *(ValueField(name, Kind.ZERO_OMITTED, f"{_CORE_TYPES} Container, VolumeMount", False)
      for name in ("readOnly", "stdin", "stdinOnce", "tty")),
    *(ValueField(name, Kind.ZERO_OMITTED, f"{_CORE_TYPES} PodSpec", False)
      for name in ("hostNetwork", "hostPID", "hostIPC")),
    ValueField("hostPort", Kind.ZERO_OMITTED, f"{_CORE_TYPES} ContainerPort", 0),
    *(ValueField(name, Kind.ZERO_OMITTED, f"{_CORE_TYPES} Probe", 0) for name in (
        "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")),
)  # fmt: skip
