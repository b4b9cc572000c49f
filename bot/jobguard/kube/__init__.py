"""What kube-apiserver does with a batch/v1 Job update, as data plus the small interpreters that read it.

This package owns every Kubernetes fact jobguard relies on (ground truth: spec/job-immutability.md):
`table` holds the rows (immutable fields, template exceptions, defaults, merge keys, generated labels), each
citing the Go source it mirrors, so a reviewer can hold them against kubernetes/kubernetes line by line;
`version` names every version gate; `values`, `paths`, `merge` and `defaults` are the mechanics (semantic
equality, head-side paths, the apply merge, defaulting); `immutability` decides a verdict from all of them.
"""
