# jobguard as a GitHub Docker container action (action.yml: runs.image: Dockerfile).
# GitHub's rules for container actions: no USER (the action runs as root so it can read GITHUB_WORKSPACE), no
# WORKDIR (the runner mounts the checkout at /github/workspace and makes it the working directory), and an
# exec-form ENTRYPOINT to which the runner appends the action's `args`.

# ---- build: a virtualenv with the pinned wheels and jobguard itself ---------------------------------------
FROM python:3.12.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
COPY docker/requirements.txt docker/build-requirements.txt /src/docker/
RUN python3 -m venv /opt/jobguard \
    && /opt/jobguard/bin/pip install --no-cache-dir --only-binary=:all: -r /src/docker/requirements.txt \
    && /opt/jobguard/bin/pip install --no-cache-dir -r /src/docker/build-requirements.txt
COPY pyproject.toml README.md LICENSE /src/
COPY bot /src/bot
# The build context has no .git, so setuptools-scm takes the version from this build argument (the release tag).
ARG JOBGUARD_VERSION=0.0.0+local
RUN SETUPTOOLS_SCM_PRETEND_VERSION_FOR_JOBGUARD="${JOBGUARD_VERSION}" /opt/jobguard/bin/pip install --no-cache-dir --no-deps --no-build-isolation /src \
    && /opt/jobguard/bin/python -m pip uninstall --yes setuptools pip \
    && /opt/jobguard/bin/jobguard --version

# ---- runtime: the same base, git, and the virtualenv ----------------------------------------------------------
FROM python:3.12.11-slim-bookworm
# git reads the checkout (the diff with zero API calls); Debian patches it in place, so its version is not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/jobguard /opt/jobguard
ENV PATH=/opt/jobguard/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
ENTRYPOINT ["jobguard", "review"]
