"""ignore-without-reason: an inline ignore that does not say why the rule does not apply.

An ignore is a decision a reviewer must be able to judge later; without a reason nobody can tell whether it still
holds. Write the reason after the bracket (comment form) or in `jobguard.io/ignore-reason` (annotation form).

Failing:

    metadata:  # jobguard: ignore[job-immutable-field]
      name: db-migrate

Fixed:

    metadata:  # jobguard: ignore[job-immutable-field] recreated by the release pipeline before each sync
      name: db-migrate
"""

from __future__ import annotations

from jobguard.findings import Severity
from jobguard.rules.base import EVERY_TOOL

ID = "ignore-without-reason"
SEVERITY = Severity.WARNING
SUMMARY = "An inline ignore (comment or annotation) that does not say why the rule does not apply."
TOOLS = EVERY_TOOL
