"""ignore-unused: an inline ignore that silences nothing, names an unknown rule or sits where it has no effect.

Ignores count only on the line of the object's `metadata:` or `name:`, in the comment lines above its first key,
or as the `jobguard.io/ignore` annotation. A stale ignore would hide the next real problem, so one that silences
nothing in this change is reported.

Failing (the Job has no immutable edit, or the rule id is misspelt):

    metadata:  # jobguard: ignore[job-imutable-field] migrations are idempotent
      name: db-migrate

Fixed: remove the comment, or spell the rule id as `jobguard rules` lists it.
"""

from __future__ import annotations

from jobguard.findings import Severity
from jobguard.rules.base import EVERY_TOOL

ID = "ignore-unused"
SEVERITY = Severity.INFO
SUMMARY = "An inline ignore that silences nothing, names an unknown rule or sits where it has no effect."
TOOLS = EVERY_TOOL
