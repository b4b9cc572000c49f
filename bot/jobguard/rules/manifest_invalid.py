"""manifest-invalid: a changed manifest file jobguard cannot read.

Invalid YAML, duplicate keys, YAML tags, alias bombs, files over the size limit, binary or non-UTF-8 files,
symlinks that leave the repository, non-mapping documents next to Kubernetes objects, and Jobs without a name.
Argo CD fails to render such a file (the whole application errors), so it is reported with its file and line;
every other file is still checked. Files containing `{{` template markers that are not YAML on their own (Helm
templates) are skipped, not reported.

Failing:

    metadata:
      name: db-migrate
        namespace: jobs     # a tab in the indentation

Fixed: indent with spaces only.
"""

from __future__ import annotations

from jobguard.findings import Severity
from jobguard.rules.base import EVERY_TOOL

ID = "manifest-invalid"
SEVERITY = Severity.ERROR
SUMMARY = "A changed manifest file that is not valid YAML or exceeds the guards; every other file is still checked."
TOOLS = EVERY_TOOL
