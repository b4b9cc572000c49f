"""`python -m jobguard` runs the same CLI as the `jobguard` console script."""

from __future__ import annotations

from jobguard.cli import main

raise SystemExit(main())
