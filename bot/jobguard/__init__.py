"""jobguard: catch immutable-field edits of Kubernetes Jobs in review, before Argo CD or Flux fails to sync."""

from __future__ import annotations

__all__ = ["__version__"]

try:  # written by setuptools-scm from the git tag at build or install time
    from jobguard._version import __version__
except ImportError:  # a source tree that was never built or installed
    __version__ = "0.0.0+unknown"
