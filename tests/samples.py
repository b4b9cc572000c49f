"""Manifests several test modules share, so each scenario names what it changes instead of repeating a Job."""

from __future__ import annotations

_MIGRATE_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: {namespace}
  labels:
    app: migrate
spec:
  backoffLimit: 2
  completions: 1
  parallelism: 1
  ttlSecondsAfterFinished: 600
  template:
    metadata:
      labels:
        app: migrate
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/app:1.0
          args: ["--all"]
"""


def migrate_job(namespace: str) -> str:
    """A plain (non-hook) Job with a TTL: 23 lines, image on line 21."""
    return _MIGRATE_JOB.format(namespace=namespace)


def annotated_and_bumped(namespace: str) -> str:
    """The same Job with two annotation lines after line 5 (head 6-7) and the image bumped (head line 23):
    two hunks, head 3-10 and 20-24."""
    return (
        migrate_job(namespace)
        .replace(f"  namespace: {namespace}\n", f"  namespace: {namespace}\n  annotations:\n    team: data\n")
        .replace("app:1.0", "app:1.1")
    )


SMALL_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: apps
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox:1.35
"""
"""The smallest realistic plain Job (12 lines, image on line 12); `SMALL_JOB_NEW_IMAGE` is its immutable edit."""

SMALL_JOB_NEW_IMAGE = SMALL_JOB.replace("busybox:1.35", "busybox:1.36")
