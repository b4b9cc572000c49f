"""The few exceptions that stop a run; everything else is a finding (design: errors are values)."""

from __future__ import annotations


class JobguardError(Exception):
    """A run cannot go on; `exit_code` is what the CLI returns."""

    exit_code = 3


class UsageError(JobguardError):
    """Bad arguments or an unusable checkout (exit code 2)."""

    exit_code = 2


class ConfigError(JobguardError):
    """A `.jobguard.yaml` problem, reported as `FILE:LINE:COL: message` (exit code 2)."""

    exit_code = 2


class PlatformError(JobguardError):
    """The CI platform's environment or API makes the run impossible (exit code 3)."""

    exit_code = 3


class ChangeUnreadable(PlatformError):
    """The platform would not give the change (its file list, diff or files): nothing can be reviewed, and saying
    so is not a bug (exit code 2, one line)."""

    exit_code = 2
