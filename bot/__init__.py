"""jobguard: catch immutable-field edits of Kubernetes Jobs in review, before Argo CD or Flux fails to sync."""

from __future__ import annotations

__version__ = "0.1.0"
