"""Which immutable fields of an existing batch/v1 Job an update changes, decided as kube-apiserver would.

The API server never compares YAML: it compares the stored Job with the object the request produces, both
fully defaulted (spec job-immutability.md §1). So this module rebuilds both objects from the manifests:

* live = defaulted(base) plus the selector and template labels the server generated at creation (§4);
* new  = for ``apply`` (kubectl client-side three-way strategic merge, the Argo CD default): head merged onto
  live, fields removed from head deleted, merge-keyed lists merged element-wise, then defaulted again (§1.2);
  for ``replace`` (PUT): head alone, defaulted, nothing generated (§1.3, §6);

then compares them with the field table (§2), the suspended-Job exceptions (§3) and the version gates of the
selected Kubernetes minor. Quantities compare by value; null, empty and absent are equal (§1.4, chosen
conservatively to avoid false alarms).

Defaults modelled: every row of §4, plus env/downwardAPI `fieldRef.apiVersion: v1`, probe and lifecycle
`httpGet` `path: /` and `scheme: HTTP`, projected `serviceAccountToken.expirationSeconds: 3600`, ephemeral
volume `volumeMode: Filesystem`, `hostPort` = `containerPort` with `hostNetwork`, a source-less volume
being `emptyDir`, the deprecated `serviceAccount` alias, and ResourceList rounding up to milli units.

Pure functions over plain decoded YAML values; never raises on odd input.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

__all__ = [
    "DEFAULT_KUBERNETES_VERSION",
    "NEWEST_SUPPORTED",
    "OLDEST_SUPPORTED",
    "FieldChange",
    "KubeVersion",
    "Semantics",
    "Verdict",
    "dotted",
    "immutable_changes",
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

    def __str__(self) -> str:
        return f"1.{self.minor}"


OLDEST_SUPPORTED = KubeVersion(_OLDEST_MINOR)
NEWEST_SUPPORTED = KubeVersion(_NEWEST_MINOR)
DEFAULT_KUBERNETES_VERSION = NEWEST_SUPPORTED

Semantics = Literal["apply", "replace"]

# Map keys whose children are data (label keys, resource names), not API field names: their keys print as
# `[key]` like the API server's field paths (`metadata.labels[app]`) and their "" values are kept.
_FREE_MAPS = frozenset(
    {"labels", "annotations", "nodeSelector", "matchLabels", "limits", "requests", "overhead",
     "volumeAttributes", "options"}
)  # fmt: skip
_IDENT_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


@dataclass(frozen=True)
class FieldChange:
    """One immutable field the update changes.

    `path` is the head-side path of the finest useful field (ints are list indexes in head). When the
    field is not in head (removed, or re-defaulted by the server) the path stops at the deepest ancestor
    head has and `reason` names the missing field, so a caller can always anchor a comment on it. Whole
    elements of merge-keyed lists (containers, env, volumes, ...) added or removed are reported on the list.
    """

    path: tuple[str | int, ...]
    reason: str
    replace_only: bool = False
    """Only because replace (PUT) drops the selector/labels the server generated (§6.1); apply would pass."""

    @property
    def dotted(self) -> str:
        """`spec.template.spec.containers[0].image`; data keys print as `labels[app.kubernetes.io/name]`."""
        return dotted(self.path)


def dotted(parts: tuple[Any, ...], previous: Any = None) -> str:
    """Path parts as the API server prints them: `a.b[0]`, and keys of free-form maps in brackets
    (`metadata.annotations[argocd.argoproj.io/hook]`)."""
    out = ""
    for part in parts:
        data_key = isinstance(previous, str) and previous in _FREE_MAPS
        if isinstance(part, int) or data_key or not (isinstance(part, str) and _IDENT_RE.fullmatch(part)):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
        previous = part
    return out


@dataclass(frozen=True)
class Verdict:
    """`changes` empty means the API server accepts the update; `notes` are caveats for the user."""

    changes: tuple[FieldChange, ...]
    notes: tuple[str, ...]


# ---------------------------------------------------------------------------------------------------------
# Values: quantities, cleaning (null/empty == absent), equality, formatting


class _Missing:
    """Marker for an absent field (distinct from every YAML value)."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


@dataclass(frozen=True, eq=False)
class _Quantity:
    """A resource.Quantity: equal by value (§1.4, `100m` == `0.1`), printed as written."""

    value: Fraction
    text: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Quantity) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


_QUANTITY_RE = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))((?:[eE][+-]?\d+)|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|)")
_SUFFIX = {
    "": Fraction(1), "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
    "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
    "P": Fraction(10**15), "E": Fraction(10**18), "Ki": Fraction(2**10), "Mi": Fraction(2**20),
    "Gi": Fraction(2**30), "Ti": Fraction(2**40), "Pi": Fraction(2**50), "Ei": Fraction(2**60),
}  # fmt: skip
_RESOURCE_LISTS = frozenset({"limits", "requests", "overhead"})
_QUANTITY_FIELDS = frozenset({"sizeLimit", "divisor"})


def _quantity(value: Any, *, milli_round_up: bool) -> Any:
    """Parse a Quantity; anything unparsable stays as written (it then compares literally)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return value
        text = repr(value)
        amount = Fraction(text)
    else:
        text = str(value)
        match = _QUANTITY_RE.fullmatch(text)
        if match is None:
            return value
        number, suffix = match.groups()
        if suffix[:1] in ("e", "E") and len(suffix) > 1:
            exponent = int(suffix[1:])
            if abs(exponent) > 100:
                return value
            amount = Fraction(number) * Fraction(10) ** exponent
        else:
            amount = Fraction(number) * _SUFFIX[suffix]
    if milli_round_up:
        # SetDefaults_ResourceList rounds every quantity up to milli precision.
        amount = Fraction(math.ceil(amount * 1000), 1000)
    return _Quantity(amount, text)


# Plain (non-pointer, omitempty) Go fields whose zero value is the same object as "absent".
_ZERO_IS_ABSENT: Mapping[str, object] = {
    "readOnly": False, "stdin": False, "stdinOnce": False, "tty": False, "hostNetwork": False,
    "hostPID": False, "hostIPC": False, "hostPort": 0, "initialDelaySeconds": 0, "timeoutSeconds": 0,
    "periodSeconds": 0, "successThreshold": 0, "failureThreshold": 0,
}  # fmt: skip


def _is_empty(value: Any) -> bool:
    return value is None or value is _MISSING or (isinstance(value, (dict, list, str)) and len(value) == 0)


def _clean(value: Any, key: Any = None, *, free: bool = False, seen: frozenset[int] = frozenset()) -> Any:
    """Copy `value` with null/empty/zero-default fields dropped and quantities parsed (§1.4)."""
    if isinstance(value, (dict, list)):
        if id(value) in seen:  # a recursive YAML alias: break the cycle deterministically
            return "<recursive>"
        seen = seen | {id(value)}
    if isinstance(value, dict):
        inner_free = isinstance(key, str) and key in _FREE_MAPS
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if inner_free and isinstance(key, str) and key in _RESOURCE_LISTS:
                item = _quantity(v, milli_round_up=True)
            else:
                item = _clean(v, k, free=inner_free, seen=seen)
            if item is None or (not inner_free and _is_empty(item)):
                continue
            if not inner_free and isinstance(k, str) and k in _ZERO_IS_ABSENT and _same(item, _ZERO_IS_ABSENT[k]):
                continue
            out[k] = item
        return out
    if isinstance(value, list):
        return [_clean(v, None, seen=seen) for v in value]
    if not free and isinstance(key, str) and key in _QUANTITY_FIELDS:
        return _quantity(value, milli_round_up=False)
    return value


def _same(a: Any, b: Any) -> bool:
    """Semantic equality: quantities by value, bool never equal to int, dicts ignore key order."""
    if a is b:
        return True
    if isinstance(a, _Quantity) or isinstance(b, _Quantity):
        return isinstance(a, _Quantity) and isinstance(b, _Quantity) and a.value == b.value
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # exotic objects: compare identity only
        return False


def _plain(value: Any) -> Any:
    """A JSON-friendly copy for messages (quantities as written)."""
    if isinstance(value, _Quantity):
        return value.text
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _fmt(value: Any, limit: int = 100) -> str:
    """Short rendering for reasons: 'text', 3, true, {"a": 1} (truncated)."""
    if value is _MISSING or value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Quantity):
        return repr(value.text)
    if isinstance(value, str):
        text, limit = repr(value), max(limit, 160)  # image references are long and their end matters
    elif isinstance(value, (int, float)):
        text = str(value)
    else:
        try:
            text = json.dumps(_plain(value), separators=(", ", ": "), sort_keys=False, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _was(value: Any) -> str:
    """` (was X)` for reasons, left out when X is a structure too big to read in one line."""
    text = _fmt(value)
    return "" if isinstance(value, (dict, list)) and text.endswith("...") else f" (was {text})"


def _name(key: Any, parent: Any) -> str:
    """How a key is named in a reason: field names bare, data keys and odd names quoted."""
    if isinstance(parent, str) and parent in _FREE_MAPS:
        return repr(str(key))
    return str(key) if isinstance(key, str) and _IDENT_RE.fullmatch(key) else repr(key)


# ---------------------------------------------------------------------------------------------------------
# Strategic merge (kubectl apply, §1.2)

# patchMergeKey of the lists in a Job's pod template (k8s.io/api/core/v1 types.go); others are atomic.
_MERGE_KEYS: Mapping[str, str] = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "volumes": "name",
    "imagePullSecrets": "name", "env": "name", "ports": "containerPort", "volumeMounts": "mountPath",
    "volumeDevices": "devicePath", "hostAliases": "ip", "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name", "schedulingGates": "name",
}  # fmt: skip
_RETAIN_KEYS = frozenset({"volumes", "resourceClaims"})  # patchStrategy "merge,retainKeys"
_ELEMENT_NOUN: Mapping[str, str] = {
    "containers": "container", "initContainers": "init container",
    "ephemeralContainers": "ephemeral container", "volumes": "volume",
    "imagePullSecrets": "image pull secret", "env": "env var", "ports": "port",
    "volumeMounts": "volume mount", "volumeDevices": "volume device", "hostAliases": "host alias",
    "topologySpreadConstraints": "topology spread constraint", "resourceClaims": "resource claim",
    "schedulingGates": "scheduling gate",
}  # fmt: skip


def _element_key(element: Any, merge_key: str) -> tuple[str, Any] | None:
    if not isinstance(element, dict):
        return None
    value = element.get(merge_key, _MISSING)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return (type(value).__name__, value)
    return None


def _keyed(items: Any, merge_key: str) -> dict[tuple[str, Any], Any] | None:
    """Elements by merge key, or None when the list cannot be merged by key (then it is atomic)."""
    if not isinstance(items, list):
        return None
    out: dict[tuple[str, Any], Any] = {}
    for element in items:
        key = _element_key(element, merge_key)
        if key is None or key in out:  # missing or duplicate keys: SMP behaviour is ill-defined, stay atomic
            return None
        out[key] = element
    return out


def _merge3(original: Any, modified: Any, current: Any, field: Any) -> Any:
    """Three-way strategic merge: head (`modified`) wins, keys only in `original` are deleted, keys only
    in `current` (server defaults, generated labels) are kept."""
    if isinstance(modified, dict):
        if not isinstance(current, dict):
            return modified
        orig = original if isinstance(original, dict) else {}
        result = dict(current)
        for key, value in modified.items():
            result[key] = _merge3(orig.get(key, _MISSING), value, current.get(key, _MISSING), key)
        for key in orig:
            if key not in modified:
                result.pop(key, None)
        return result
    if isinstance(modified, list) and isinstance(field, str) and field in _MERGE_KEYS:
        return _merge_keyed_list(original, modified, current, field)
    return modified


def _merge_keyed_list(original: Any, modified: list[Any], current: Any, field: str) -> Any:
    merge_key = _MERGE_KEYS[field]
    mod = _keyed(modified, merge_key)
    cur = _keyed(current, merge_key)
    orig = {} if original is _MISSING else _keyed(original, merge_key)
    if mod is None or cur is None or orig is None:
        return modified
    result: list[Any] = []
    for key, element in mod.items():  # $setElementOrder: head's order
        merged = _merge3(orig.get(key, _MISSING), element, cur.get(key, _MISSING), None)
        if field in _RETAIN_KEYS and isinstance(merged, dict):
            merged = {k: v for k, v in merged.items() if k in element}
        result.append(merged)
    result.extend(element for key, element in cur.items() if key not in mod and key not in orig)
    return result


# ---------------------------------------------------------------------------------------------------------
# Defaults (§4) and server-generated fields


def _dict(parent: Any, key: str) -> dict[Any, Any] | None:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else None


def _dicts(parent: Any, key: str) -> Iterator[dict[Any, Any]]:
    value = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


_DOMAIN_RE = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?)"
_COMPONENT_RE = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE_RE = re.compile(
    rf"(?:{_DOMAIN_RE}/)?{_COMPONENT_RE}(?:/{_COMPONENT_RE})*(?::(?P<tag>[\w][\w.-]{{0,127}}))?"
    r"(?P<digest>@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)


def _default_pull_policy(image: Any) -> str:
    """§4: `Always` for tag `latest` or no tag and no digest, else `IfNotPresent` (also for references
    the server cannot parse, e.g. templated ones: parseImageName fails and yields no tag)."""
    if not isinstance(image, str):
        return "IfNotPresent"
    match = _IMAGE_RE.fullmatch(image)
    if match is None:
        return "IfNotPresent"
    tag = match.group("tag") or ("" if match.group("digest") else "latest")
    return "Always" if tag == "latest" else "IfNotPresent"


def _default_probe(probe: dict[Any, Any]) -> None:
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        probe.setdefault(key, value)
    _default_handler(probe)


def _default_handler(handler: dict[Any, Any]) -> None:
    http_get = _dict(handler, "httpGet")
    if http_get is not None:  # SetDefaults_HTTPGetAction
        http_get.setdefault("path", "/")
        http_get.setdefault("scheme", "HTTP")


def _default_field_ref(holder: dict[Any, Any]) -> None:
    field_ref = _dict(holder, "fieldRef")
    if field_ref is not None:  # SetDefaults_ObjectFieldSelector
        field_ref.setdefault("apiVersion", "v1")


def _default_container(container: dict[Any, Any], host_network: bool) -> None:
    if "imagePullPolicy" not in container:
        container["imagePullPolicy"] = _default_pull_policy(container.get("image"))
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    for port in _dicts(container, "ports"):
        port.setdefault("protocol", "TCP")
        if host_network and "containerPort" in port:  # defaultHostNetworkPorts
            port.setdefault("hostPort", port["containerPort"])
    for env in _dicts(container, "env"):
        value_from = _dict(env, "valueFrom")
        if value_from is not None:
            _default_field_ref(value_from)
    for probe_key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = _dict(container, probe_key)
        if probe is not None:
            _default_probe(probe)
    lifecycle = _dict(container, "lifecycle")
    for hook_key in ("postStart", "preStop"):
        hook = _dict(lifecycle, hook_key)
        if hook is not None:
            _default_handler(hook)


_VOLUME_SOURCES_WITH_MODE = ("configMap", "secret", "downwardAPI", "projected")


def _default_volume(volume: dict[Any, Any]) -> None:
    if all(key == "name" for key in volume):  # SetDefaults_Volume: no source means emptyDir
        volume["emptyDir"] = {}
    for source_key in _VOLUME_SOURCES_WITH_MODE:
        source = _dict(volume, source_key)
        if source is not None:
            source.setdefault("defaultMode", 420)
    for item in _dicts(_dict(volume, "downwardAPI"), "items"):
        _default_field_ref(item)
    for source in _dicts(_dict(volume, "projected"), "sources"):
        for item in _dicts(_dict(source, "downwardAPI"), "items"):
            _default_field_ref(item)
        token = _dict(source, "serviceAccountToken")
        if token is not None:  # SetDefaults_ServiceAccountTokenProjection
            token.setdefault("expirationSeconds", 3600)
    claim_spec = _dict(_dict(_dict(volume, "ephemeral"), "volumeClaimTemplate"), "spec")
    if claim_spec is not None:  # SetDefaults_PersistentVolumeClaimSpec
        claim_spec.setdefault("volumeMode", "Filesystem")


def _default_pod_spec(pod: dict[Any, Any]) -> None:
    """SetDefaults_PodSpec and the defaulters of its parts (§4 table plus a few well-known ones)."""
    pod.setdefault("dnsPolicy", "ClusterFirst")
    pod.setdefault("restartPolicy", "Always")
    pod.setdefault("terminationGracePeriodSeconds", 30)
    pod.setdefault("schedulerName", "default-scheduler")
    pod.setdefault("enableServiceLinks", True)
    # securityContext defaults to {}, which equals absent here.
    host_network = pod.get("hostNetwork") is True
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for container in _dicts(pod, key):
            _default_container(container, host_network)
    for volume in _dicts(pod, "volumes"):
        _default_volume(volume)
    # serviceAccount is the deprecated alias of serviceAccountName; conversion keeps serviceAccountName
    # when both are set, so only that one reaches the internal object.
    alias = pod.pop("serviceAccount", _MISSING)
    if "serviceAccountName" not in pod and isinstance(alias, str):
        pod["serviceAccountName"] = alias


def _default_job(job: dict[Any, Any]) -> dict[Any, Any]:
    """SetDefaults_Job plus pod template defaults, on a cleaned copy (§4)."""
    spec = _dict(job, "spec")
    if spec is None:
        return job
    if "completions" not in spec and "parallelism" not in spec:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 2147483647 if "backoffLimitPerIndex" in spec else 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("manualSelector", False)
    spec.setdefault("podReplacementPolicy", "Failed" if "podFailurePolicy" in spec else "TerminatingOrFailed")
    for rule in _dicts(_dict(spec, "podFailurePolicy"), "rules"):
        for pattern in _dicts(rule, "onPodConditions"):
            pattern.setdefault("status", "True")
    pod = _dict(_dict(spec, "template"), "spec")
    if pod is not None:
        _default_pod_spec(pod)
    return job


def _generated_labels(name: str, version: KubeVersion) -> dict[str, str]:
    """Template labels PrepareForCreate adds without manualSelector (§4.1); uid is a placeholder."""
    labels = {"controller-uid": "<uid>", "job-name": name}
    if version >= KubeVersion(27):
        labels = {
            "batch.kubernetes.io/controller-uid": "<uid>",
            "batch.kubernetes.io/job-name": name,
            **labels,
        }
    return labels


def _selector_key(version: KubeVersion) -> str:
    return "batch.kubernetes.io/controller-uid" if version >= KubeVersion(27) else "controller-uid"


def _generate(job: dict[Any, Any], inputs: _Inputs) -> dict[Any, Any]:
    """generateSelector: add the uid selector and the job-name/controller-uid template labels if absent."""
    spec = _dict(job, "spec")
    if spec is None or not inputs.generated_selector:
        return job
    template = spec.setdefault("template", {})
    if not isinstance(template, dict):
        return job
    template_meta = template.setdefault("metadata", {})
    if isinstance(template_meta, dict):
        labels = template_meta.setdefault("labels", {})
        if isinstance(labels, dict):
            for key, value in inputs.generated_labels.items():
                labels.setdefault(key, value)
    selector = spec.setdefault("selector", {})
    if isinstance(selector, dict):
        match_labels = selector.setdefault("matchLabels", {})
        if isinstance(match_labels, dict):
            match_labels.setdefault(_selector_key(inputs.version), "<uid>")
    return job


# ---------------------------------------------------------------------------------------------------------
# Version gates (§2 "Since", §3)

# Job spec fields dropped by the server before their feature is on by default: (field, first minor).
_SPEC_GATES: tuple[tuple[str, int], ...] = (
    ("ttlSecondsAfterFinished", 21), ("completionMode", 22), ("suspend", 22), ("podFailurePolicy", 26),
    ("backoffLimitPerIndex", 29), ("maxFailedIndexes", 29), ("podReplacementPolicy", 29),
    ("successPolicy", 31), ("managedBy", 32),
)  # fmt: skip
_SCHEDULING_GATES_SINCE = 27
_ELASTIC_INDEXED_SINCE = 27
_MUTABLE_SCHEDULING_SINCE = 23  # KEP-2926
_MUTABLE_RESOURCES_SINCE = 36  # KEP-5440

# Immutable Job spec fields other than completions/selector/template (§2), in the server's check order.
_IMMUTABLE_SPEC_FIELDS = (
    "completionMode",
    "podFailurePolicy",
    "backoffLimitPerIndex",
    "managedBy",
    "successPolicy",
)


def _drop_gated(live: dict[Any, Any], new: dict[Any, Any], version: KubeVersion, notes: list[str]) -> None:
    """Drop fields whose feature is off in `version` from both objects, noting changes that stop mattering."""
    live_spec, new_spec = _dict(live, "spec"), _dict(new, "spec")
    for field, since in _SPEC_GATES:
        if version.minor >= since:
            continue
        before = live_spec.pop(field, _MISSING) if live_spec is not None else _MISSING
        after = new_spec.pop(field, _MISSING) if new_spec is not None else _MISSING
        if field in _IMMUTABLE_SPEC_FIELDS and not _same(before, after):  # mutable ones never matter
            notes.append(
                f"spec.{field} is not enabled by default in Kubernetes {version} (since 1.{since}): the API "
                "server drops it, so changing it is not rejected on this version"
            )
    if version.minor < _SCHEDULING_GATES_SINCE:
        live_pod, new_pod = _pod_spec(live), _pod_spec(new)
        before = live_pod.pop("schedulingGates", _MISSING) if live_pod is not None else _MISSING
        after = new_pod.pop("schedulingGates", _MISSING) if new_pod is not None else _MISSING
        if not _same(before, after):
            notes.append(
                f"spec.template.spec.schedulingGates is not enabled by default in Kubernetes {version} "
                f"(since 1.{_SCHEDULING_GATES_SINCE}): the API server drops it, so changing it is not "
                "rejected"
            )


def _pod_spec(job: Any) -> dict[Any, Any] | None:
    return _dict(_dict(_dict(job, "spec"), "template"), "spec")


# ---------------------------------------------------------------------------------------------------------
# Reporting: paths on the head side, deterministic order

_AFTER = 10**9  # sorts a "removed" report after the children of the node it is attached to


@dataclass(frozen=True)
class _Report:
    position: tuple[int, ...]
    seq: int
    change: FieldChange


class _Reporter:
    """Collects FieldChanges with their head document position for deterministic ordering."""

    def __init__(self, head_raw: Mapping[Any, Any]) -> None:
        self._head_raw = head_raw
        self._reports: list[_Report] = []

    def add(
        self, path: tuple[str | int, ...], position: tuple[int, ...], reason: str, *, replace_only: bool = False
    ) -> None:
        self._reports.append(_Report(position, len(self._reports), FieldChange(path, reason, replace_only)))

    def add_at(self, path: tuple[str | int, ...], reason: str, *, replace_only: bool = False) -> None:
        """Report `path` where head has it, else on its deepest head ancestor (`_locate`)."""
        found, position, _ = _locate(self._head_raw, path)
        self.add(found, position, reason, replace_only=replace_only)

    def changes(self) -> tuple[FieldChange, ...]:
        ordered = sorted(self._reports, key=lambda r: (r.position, r.seq))
        return tuple(report.change for report in ordered)


def _key_index(node: Any, key: Any) -> int:
    if isinstance(node, dict):
        for index, candidate in enumerate(node):
            if candidate == key and type(candidate) is type(key):
                return index
    return _AFTER


def _has(node: Any, key: Any) -> bool:
    return isinstance(node, dict) and any(k == key and type(k) is type(key) for k in node)


def _locate(head: Any, path: tuple[str | int, ...]) -> tuple[tuple[str | int, ...], tuple[int, ...], bool]:
    """Deepest prefix of `path` present in `head`, its position, and whether all of `path` was found."""
    node: Any = head
    found_path: tuple[str | int, ...] = ()
    position: tuple[int, ...] = ()
    for part in path:
        if isinstance(part, str) and _has(node, part):
            position += (_key_index(node, part),)
            node = node[part]
        elif isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            position += (part,)
            node = node[part]
        else:
            return found_path + _leading_keys(path[len(found_path) :]), (*position, _AFTER), False
        found_path += (part,)
    return found_path, position, True


def _leading_keys(rest: tuple[str | int, ...]) -> tuple[str, ...]:
    """Mapping keys head lacks are still named in the path; a list index of a missing list is not."""
    keys: list[str] = []
    for part in rest:
        if not isinstance(part, str):
            break
        keys.append(part)
    return tuple(keys)


def _changed(old: Any, new: Any) -> str:
    if old is _MISSING:
        return "added"
    if new is _MISSING:
        return f"removed{_was(old)}"
    before, after = _fmt(old), _fmt(new)
    if isinstance(old, (dict, list)) and isinstance(new, (dict, list)) and "..." in before + after:
        return "changed"
    return f"changed from {before} to {after}"


def _list_change(old: list[Any], new: list[Any]) -> str:
    """Describe an atomic list edit by what was removed and added between the common prefix and suffix."""
    prefix = 0
    while prefix < min(len(old), len(new)) and _same(old[prefix], new[prefix]):
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and _same(old[-1 - suffix], new[-1 - suffix]):
        suffix += 1
    removed, added = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
    parts = [f"{verb} {_fmt(items[0] if len(items) == 1 else items)}"
             for verb, items in (("removed", removed), ("added", added)) if items]  # fmt: skip
    return f"{len(old)} -> {len(new)} items: " + ", ".join(parts)


def _absent_reason(rel: tuple[Any, ...], parent: Any, old: Any, new: Any) -> str:
    """Reason for a change of a field that head does not contain (removed, or re-defaulted)."""
    name = _rel_name(parent, rel) + " " if rel else ""
    if new is _MISSING:
        return f"{name}removed{_was(old)}"
    if old is _MISSING:
        return f"{name}not set in the manifest: the API server now sets {_fmt(new)}"
    return f"{name}not set in the manifest: reverts to the default {_fmt(new)}{_was(old)}"


def _rel_name(parent: Any, rel: tuple[Any, ...]) -> str:
    """Name of a field below the deepest head node: `imagePullPolicy`, `'app'`, `metadata.labels[app]`."""
    if len(rel) == 1:
        return _name(rel[0], parent)
    return dotted(rel, parent)


@dataclass(frozen=True)
class _At:
    """Where the differ is: the deepest head-side path and its position; `tail`, mapping keys below it that head
    does not have (reported as part of the path: `spec.podFailurePolicy` even when head lacks it); `rel`, what
    lies below those through a list (list indexes of a side head lacks are not head paths, so the report stays
    on `path + tail` and names `rel` in the reason)."""

    path: tuple[str | int, ...]
    pos: tuple[int, ...]
    rel: tuple[Any, ...] = ()
    tail: tuple[str, ...] = ()

    @property
    def report_path(self) -> tuple[str | int, ...]:
        return self.path + self.tail

    @property
    def field(self) -> Any:
        chain = self.path + self.tail + self.rel
        return chain[-1] if chain else None

    def child(self, key: Any, head: Any) -> tuple[_At, Any]:
        """Step into map key `key`; `head` is the head node here (None once below head)."""
        if not self.rel and not self.tail and isinstance(key, str) and _has(head, key):
            return _At((*self.path, key), (*self.pos, _key_index(head, key))), head[key]
        if not self.rel and isinstance(key, str):
            pos = self.pos if self.tail else (*self.pos, _AFTER)
            return _At(self.path, pos, (), (*self.tail, key)), None
        return self._below(key), None

    def item(self, index: int, head: Any) -> tuple[_At, Any]:
        """Step into list index `index` (the same index in head for atomic lists)."""
        if not self.rel and not self.tail and isinstance(head, list) and 0 <= index < len(head):
            return _At((*self.path, index), (*self.pos, index)), head[index]
        return self._below(index), None

    def _below(self, part: Any) -> _At:
        pos = self.pos if (self.rel or self.tail) else (*self.pos, _AFTER)
        return _At(self.path, pos, (*self.rel, part), self.tail)

    def say(self, text: str) -> str:
        if not self.rel:
            return text
        chain = self.path + self.tail
        return f"{_rel_name(chain[-1] if chain else None, self.rel)}: {text}"

    def leaf_reason(self, old: Any, new: Any) -> str:
        if not self.rel and not self.tail:
            return _changed(old, new)
        chain = self.path + self.tail
        return _absent_reason(self.rel, chain[-1] if chain else None, old, new)


class _Differ:
    """Walks old/new objects in parallel with the head manifest so each report has a head-side path."""

    def __init__(self, reporter: _Reporter) -> None:
        self.reporter = reporter

    def diff(self, old: Any, new: Any, head: Any, at: _At) -> None:
        if _same(old, new):
            return
        if isinstance(old, dict) and isinstance(new, dict):
            self._diff_maps(old, new, head, at)
        elif isinstance(old, list) and isinstance(new, list):
            self._diff_lists(old, new, head, at)
        else:
            self.reporter.add(at.report_path, at.pos, at.leaf_reason(old, new))

    def _diff_maps(self, old: dict[Any, Any], new: dict[Any, Any], head: Any, at: _At) -> None:
        head_keys = list(head) if isinstance(head, dict) and not at.rel else []
        ordered = [k for k in head_keys if k in old or k in new]
        ordered += [k for k in new if k not in ordered] + [k for k in old if k not in ordered and k not in new]
        for key in ordered:
            before, after = old.get(key, _MISSING), new.get(key, _MISSING)
            if not _same(before, after):
                child, head_child = at.child(key, head)
                self.diff(before, after, head_child, child)

    def _diff_lists(self, old: list[Any], new: list[Any], head: Any, at: _At) -> None:
        field = at.field
        if isinstance(field, str) and field in _MERGE_KEYS:
            old_keyed, new_keyed = _keyed(old, _MERGE_KEYS[field]), _keyed(new, _MERGE_KEYS[field])
            if old_keyed is not None and new_keyed is not None:
                self._diff_keyed(old_keyed, new_keyed, head, at, field)
                return
        if len(old) != len(new):
            self.reporter.add(at.report_path, at.pos, at.say(_list_change(old, new)))
            return
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            if not _same(before, after):
                child, head_child = at.item(index, head)
                self.diff(before, after, head_child, child)

    def _diff_keyed(
        self, old: dict[tuple[str, Any], Any], new: dict[tuple[str, Any], Any], head: Any, at: _At, field: str
    ) -> None:
        noun = _ELEMENT_NOUN.get(field, "item")
        head_index: dict[tuple[str, Any], int] = {}
        if isinstance(head, list) and not at.rel:
            for index, element in enumerate(head):
                key = _element_key(element, _MERGE_KEYS[field])
                if key is not None:
                    head_index.setdefault(key, index)
        for key, after in new.items():
            index = head_index.get(key, -1)
            if key not in old:
                self.reporter.add(
                    at.path, (*at.pos, index if index >= 0 else _AFTER), at.say(f"{noun} {_fmt(key[1])} added")
                )
            elif index >= 0:
                self.diff(old[key], after, head[index], _At((*at.path, index), (*at.pos, index)))
            elif not _same(old[key], after):
                self.reporter.add(at.report_path, (*at.pos, _AFTER), at.say(f"{noun} {_fmt(key[1])} changed"))
        if [k for k in old if k in new] != [k for k in new if k in old]:
            self.reporter.add(at.report_path, at.pos, at.say(f"order of {noun}s changed"))
        for key in old:
            if key not in new:
                self.reporter.add(at.report_path, (*at.pos, _AFTER), at.say(f"{noun} {_fmt(key[1])} removed"))


# ---------------------------------------------------------------------------------------------------------
# The decision (§7)


@dataclass(frozen=True)
class _Inputs:
    """The cleaned manifests and what the old object decides once: the server generated the selector unless
    `manualSelector: true`, and `suspend: true` is read as "never started" (§3, §4.1)."""

    base: dict[Any, Any]
    head: dict[Any, Any]
    head_raw: Mapping[Any, Any]
    version: KubeVersion
    semantics: Semantics
    generated_selector: bool
    suspended: bool
    generated_labels: Mapping[str, str]

    @classmethod
    def of(
        cls, base: dict[Any, Any], head_raw: Mapping[Any, Any], version: KubeVersion, semantics: Semantics
    ) -> _Inputs:
        spec = _dict(base, "spec") or {}
        name = (_dict(base, "metadata") or {}).get("name")
        return cls(
            base,
            _clean(dict(head_raw)),
            head_raw,
            version,
            semantics,
            generated_selector=spec.get("manualSelector") is not True,
            suspended=spec.get("suspend") is True,
            generated_labels=_generated_labels(name if isinstance(name, str) else "", version),
        )


def immutable_changes(
    base: Mapping[str, Any],
    head: Mapping[str, Any],
    *,
    version: KubeVersion = DEFAULT_KUBERNETES_VERSION,
    semantics: Semantics = "apply",
) -> Verdict:
    """Immutable fields of an existing Job that updating `base` (live) to `head` changes (§7)."""
    head_raw: Mapping[Any, Any] = head if isinstance(head, Mapping) else {}
    try:
        cleaned_base = _clean(dict(base) if isinstance(base, Mapping) else {})
        return _decide(_Inputs.of(cleaned_base, head_raw, version, semantics))
    except Exception as error:  # never raise on odd input; say so instead of pretending it is fine
        return _fallback(error)


def _fallback(error: Exception) -> Verdict:
    """An internal error is never "no change": the manifests may look identical and still fail (Replace)."""
    note = f"jobguard could not compare these manifests ({type(error).__name__}); review the change by hand"
    return Verdict((FieldChange(("spec",), "could not be compared; treat as changed"),), (note,))


@dataclass(frozen=True)
class _Compare:
    """One comparison: the inputs, both defaulted specs, and what it found so far."""

    inputs: _Inputs
    live_spec: dict[Any, Any]
    new_spec: dict[Any, Any]
    reporter: _Reporter
    notes: list[str]

    def values(self, field: str) -> tuple[Any, Any]:
        return self.live_spec.get(field, _MISSING), self.new_spec.get(field, _MISSING)

    def head_has(self, field: str) -> bool:
        return _has(self.inputs.head_raw.get("spec"), field)

    def report_spec_field(self, field: str, before: Any, after: Any, *, why: str = "") -> None:
        """Report `spec.<field>`; when head lacks it the path still names it and the reason says why."""
        reason = _changed(before, after) if self.head_has(field) else _absent_reason((), "spec", before, after)
        self.reporter.add_at(("spec", field), f"{reason}: {why}" if why else reason)


def _decide(inputs: _Inputs) -> Verdict:
    version, notes = inputs.version, list[str]()
    live = _default_job(_generate(copy.deepcopy(inputs.base), inputs))
    if inputs.semantics == "replace":
        new = _default_job(copy.deepcopy(inputs.head))
    else:
        new = _default_job(copy.deepcopy(_merge3(inputs.base, inputs.head, live, None)))
        # `live` was shared into the merge result; the deep copy above keeps the two apart.
    _drop_gated(live, new, version, notes)
    check = _Compare(inputs, _dict(live, "spec") or {}, _dict(new, "spec") or {}, _Reporter(inputs.head_raw), notes)
    _check_completions(check)
    _check_selector(check)
    _check_template(check)
    for field in _IMMUTABLE_SPEC_FIELDS:
        before, after = check.values(field)
        if not _same(before, after):
            check.report_spec_field(field, before, after)
    _check_replacement_policy(check)
    changes = check.reporter.changes()
    if inputs.semantics == "replace" and inputs.generated_selector and changes:
        notes.append(
            "replace (PUT) sends the manifest alone: the selector and template labels the API server "
            "generated are not re-added, so only deleting and recreating the Job (Replace=true with "
            "Force=true) helps"
        )
    return Verdict(changes, tuple(dict.fromkeys(notes)))


def _check_completions(check: _Compare) -> None:
    """§2 completions: immutable, except elastic Indexed Jobs (1.27+) where completions == parallelism."""
    before, after = check.values("completions")
    if _same(before, after):
        return
    indexed = check.new_spec.get("completionMode") == "Indexed"
    if not indexed or check.inputs.version.minor < _ELASTIC_INDEXED_SINCE:
        check.report_spec_field("completions", before, after)
        return
    parallelism = check.new_spec.get("parallelism", _MISSING)
    if after is _MISSING:
        check.report_spec_field("completions", before, after, why="required for Indexed Jobs")
    elif not _same(after, parallelism):
        reason = (
            f"can only be modified in tandem with spec.parallelism (changed from {_fmt(before)} to "
            f"{_fmt(after)} while parallelism is {_fmt(parallelism)})"
        )
        check.reporter.add_at(("spec", "completions"), reason)
    else:
        check.notes.append(
            "spec.completions changes together with spec.parallelism on an Indexed Job: allowed as an "
            "elastic Indexed Job (Kubernetes 1.27+)"
        )


def _check_selector(check: _Compare) -> None:
    """§2 selector: any difference is rejected; a manualSelector flip counts as a selector change."""
    before, after = check.values("selector")
    manual_before = check.live_spec.get("manualSelector", False)
    manual_after = check.new_spec.get("manualSelector", False)
    generated = check.inputs.generated_selector
    reasons = []
    replace_only = False
    if not _same(before, after):
        if after is _MISSING and check.inputs.semantics == "replace" and generated:
            reasons.append("missing: replace does not re-add the generated selector")
            replace_only = True
        elif after is _MISSING:
            reasons.append(f"removed{_was(before)}")
        elif generated:
            reasons.append("differs from the selector the API server generated at creation")
        else:
            reasons.append(_changed(before, after))
    manual_flipped = not _same(manual_before, manual_after)
    if manual_flipped:
        reasons.append(
            f"manualSelector changed from {_fmt(manual_before)} to {_fmt(manual_after)}: the selector and "
            "template labels are not regenerated on update, so this counts as a spec.selector change"
        )
        replace_only = False
    if not reasons:
        return
    on_flag = manual_flipped and len(reasons) == 1 and not check.head_has("selector")
    path = ("spec", "manualSelector") if on_flag and check.head_has("manualSelector") else ("spec", "selector")
    check.reporter.add_at(path, "; ".join(reasons), replace_only=replace_only)


def _check_template(check: _Compare) -> None:
    """§2/§3 template: immutable except the scheduling directives (and resources) of a suspended Job."""
    inputs = check.inputs
    old_template, new_template = check.values("template")
    if inputs.semantics == "replace":
        new_template = _restore_generated_labels(old_template, new_template, check)
    if _same(old_template, new_template):
        return
    if inputs.suspended and isinstance(old_template, dict) and isinstance(new_template, dict):
        old_template = _apply_exceptions(old_template, new_template, inputs.version, check.notes)
    found, position, complete = _locate(inputs.head_raw, ("spec", "template"))
    if complete:
        at = _At(found, position)
        _Differ(check.reporter).diff(old_template, new_template, inputs.head_raw["spec"]["template"], at)
    elif not _same(old_template, new_template):
        check.reporter.add(found, position, _absent_reason((), "spec", old_template, new_template))


def _restore_generated_labels(old_template: Any, new_template: Any, check: _Compare) -> Any:
    """§6: replace loses the generated template labels; report that once on spec.template (unless a
    suspended never-started Job may change its labels) and compare the rest of the template as usual."""
    inputs = check.inputs
    old_labels = _dict(_dict(old_template, "metadata"), "labels")
    if not inputs.generated_selector or old_labels is None or not isinstance(new_template, dict):
        return new_template
    restored = copy.deepcopy(new_template)
    metadata = restored.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        return new_template
    labels = metadata.setdefault("labels", {})
    if not isinstance(labels, dict):
        return new_template
    lost = [key for key in inputs.generated_labels if key in old_labels and key not in labels]
    for key in lost:
        labels[key] = old_labels[key]
    exempt = inputs.suspended and inputs.version.minor >= _MUTABLE_SCHEDULING_SINCE
    if lost and not exempt:
        reason = "loses the generated labels " + ", ".join(repr(k) for k in lost) + ": replace does not re-add them"
        check.reporter.add_at(("spec", "template"), reason, replace_only=True)
    return restored


def _apply_exceptions(
    old_template: dict[Any, Any], new_template: dict[Any, Any], version: KubeVersion, notes: list[str]
) -> dict[Any, Any]:
    """validatePodTemplateUpdate: the old template with the allowed fields of the new one copied over it.

    The permission comes from the BASE manifest's `suspend: true`, read as "never started" (§3)."""
    old = old_template
    scheduled = _scheduling_view(old_template, new_template, version)
    if version.minor >= _MUTABLE_SCHEDULING_SINCE:
        old = scheduled
        if not _same(scheduled, old_template):
            notes.append(
                "old manifest has suspend: true, treated as never started (jobguard cannot see status): its "
                "template labels, annotations, nodeSelector, tolerations, nodeAffinity and schedulingGates "
                "may change"
            )
    elif not _same(scheduled, old_template):
        notes.append(
            "scheduling directives of a suspended Job become mutable in Kubernetes "
            f"1.{_MUTABLE_SCHEDULING_SINCE}; they are immutable on {version}"
        )
    resourced = copy.deepcopy(old)
    _copy_resources(resourced, new_template)
    if not _same(resourced, old):
        if version.minor >= _MUTABLE_RESOURCES_SINCE:
            old = resourced
            notes.append(
                "container resources of a suspended Job are accepted on Kubernetes 1.36+ only (KEP-5440); "
                "Kubernetes 1.35 and older reject them"
            )
        else:
            notes.append(
                f"container resources of a suspended Job become mutable in Kubernetes 1.36 (KEP-5440); "
                f"{version} rejects them"
            )
    return old


def _scheduling_view(old: dict[Any, Any], new_template: dict[Any, Any], version: KubeVersion) -> dict[Any, Any]:
    """A copy of `old` with the scheduling directives of `new_template` (KEP-2926)."""
    view = copy.deepcopy(old)
    _copy_scheduling_directives(view, new_template, version)
    return view


def _set_or_drop(target: dict[Any, Any], key: str, source: Any) -> None:
    value = source.get(key, _MISSING) if isinstance(source, dict) else _MISSING
    if value is _MISSING:
        target.pop(key, None)
    else:
        target[key] = copy.deepcopy(value)


def _copy_scheduling_directives(old: dict[Any, Any], new: dict[Any, Any], version: KubeVersion) -> None:
    """KEP-2926 (§3): labels, annotations, nodeSelector, tolerations, nodeAffinity, schedulingGates."""
    old_meta = old.setdefault("metadata", {})
    if isinstance(old_meta, dict):
        _set_or_drop(old_meta, "labels", new.get("metadata"))
        _set_or_drop(old_meta, "annotations", new.get("metadata"))
        if not old_meta:
            del old["metadata"]
    old_pod, new_pod = old.get("spec"), new.get("spec")
    if not isinstance(old_pod, dict) or not isinstance(new_pod, dict):
        return
    _set_or_drop(old_pod, "nodeSelector", new_pod)
    _set_or_drop(old_pod, "tolerations", new_pod)
    if version.minor >= _SCHEDULING_GATES_SINCE:
        _set_or_drop(old_pod, "schedulingGates", new_pod)
    _copy_node_affinity(old_pod, new_pod)


def _copy_node_affinity(old_pod: dict[Any, Any], new_pod: dict[Any, Any]) -> None:
    """The affinity switch of validatePodTemplateUpdate: only nodeAffinity may change; `affinity` may
    be removed only if it held nothing but nodeAffinity. Odd (non-map) values get no exception."""
    old_affinity, new_affinity = old_pod.get("affinity"), new_pod.get("affinity")
    if old_affinity is not None and not isinstance(old_affinity, dict):
        return
    if new_affinity is not None and not isinstance(new_affinity, dict):
        return
    if new_affinity is None and old_affinity is not None:
        rest = {k: v for k, v in old_affinity.items() if k != "nodeAffinity"}
        if rest:
            old_pod["affinity"] = rest
        else:
            del old_pod["affinity"]
    elif new_affinity is not None and old_affinity is None:
        if "nodeAffinity" in new_affinity:
            old_pod["affinity"] = {"nodeAffinity": copy.deepcopy(new_affinity["nodeAffinity"])}
    elif new_affinity is not None and old_affinity is not None:
        _set_or_drop(old_affinity, "nodeAffinity", new_affinity)
        if not old_affinity:
            del old_pod["affinity"]


def _copy_resources(old: dict[Any, Any], new: dict[Any, Any]) -> None:
    """KEP-5440 (§3): containers[*]/initContainers[*] resources, matched by index like the server."""
    old_pod, new_pod = old.get("spec"), new.get("spec")
    if not isinstance(old_pod, dict) or not isinstance(new_pod, dict):
        return
    for key in ("containers", "initContainers"):
        old_list, new_list = old_pod.get(key), new_pod.get(key)
        if not isinstance(old_list, list) or not isinstance(new_list, list):
            continue
        for old_item, new_item in zip(old_list, new_list, strict=False):
            if isinstance(old_item, dict) and isinstance(new_item, dict):
                _set_or_drop(old_item, "resources", new_item)


def _check_replacement_policy(check: _Compare) -> None:
    """§2 podFailurePolicy row: adding it to a Job created without it also fails on podReplacementPolicy,
    because apply keeps the stored default `TerminatingOrFailed`, which is invalid next to it (1.29+)."""
    if "podFailurePolicy" in check.live_spec or "podFailurePolicy" not in check.new_spec:
        return
    policy = check.new_spec.get("podReplacementPolicy", _MISSING)
    if policy is _MISSING or _same(policy, "Failed"):
        return
    if check.head_has("podReplacementPolicy"):
        reason = f"{_fmt(policy)} is not supported next to a podFailurePolicy (only 'Failed' is)"
    else:
        reason = f"the stored {_fmt(policy)} stays and is not supported next to a podFailurePolicy"
    check.reporter.add_at(("spec", "podReplacementPolicy"), reason)
