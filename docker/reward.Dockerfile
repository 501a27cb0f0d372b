# The reward service: FastAPI, the verifiers and the sandbox driver (the docker command line),
# and no torch. `prorl images build reward` (or `make images`) builds it from this checkout, on
# python:3.12-slim where a registry answers, else on a Debian base made offline with debootstrap;
# `docker compose build` uses python:3.12-slim. Context: the repository root.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
# Debian's own python3 has no venv module until python3-venv is installed; python:3.12-slim has it.
# A C compiler (and Python's headers where the base lacks them) for the few dependencies PyPI
# ships only as source (pycosat); they stay in this stage. The docker CLI comes out of Debian's
# package (docker-cli, or docker.io before trixie) alone: the engine, containerd and runc it would
# bring are not needed to talk to an engine elsewhere.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev \
 && (python3 -c "import os, sys, sysconfig; sys.exit(not os.path.exists(sysconfig.get_paths()['include'] + '/Python.h'))" \
     || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-dev) \
 && (python3 -m venv /opt/prorl 2>/dev/null || (rm -rf /opt/prorl \
     && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv \
     && python3 -m venv /opt/prorl)) \
 && cd /tmp && (apt-get download docker-cli 2>/dev/null || apt-get download docker.io) \
 && dpkg-deb --fsys-tarfile /tmp/docker*.deb | tar -x -C /tmp ./usr/bin/docker \
 && rm -rf /var/lib/apt/lists/* /tmp/docker*.deb
# Behind a TLS-intercepting proxy pip needs its CA bundle: `prorl images build` puts the one this
# machine's pip uses into docker/certs/ and names it here.
ARG CA_BUNDLE=
COPY docker/certs/ /tmp/certs/
COPY pyproject.toml README.md /src/
COPY prorl /src/prorl
COPY reward_service /src/reward_service
COPY trainer /src/trainer
COPY sandboxes /src/sandboxes
# The dependencies' own test suites (sympy's, numpy's, matplotlib's: a sixth of the image) go.
RUN if [ -n "$CA_BUNDLE" ]; then export PIP_CERT="$CA_BUNDLE"; fi \
 && /opt/prorl/bin/pip install --no-cache-dir --disable-pip-version-check "/src[service]" \
 && /opt/prorl/bin/pip uninstall -y -q pip && rm -rf /tmp/certs \
 && find /opt/prorl/lib -type d -name tests -prune -exec rm -rf {} +

FROM ${BASE_IMAGE}
COPY --from=build /opt/prorl /opt/prorl
COPY --from=build /tmp/usr/bin/docker /usr/local/bin/docker
RUN useradd --uid 10002 --user-group --create-home --shell /usr/sbin/nologin prorl
# Matplotlib (which Reasoning Gym imports) wants a writable config folder; the root may be read-only.
ENV PATH=/opt/prorl/bin:/usr/local/bin:/usr/bin:/bin PYTHONUNBUFFERED=1 LANG=C.UTF-8 MPLCONFIGDIR=/tmp/matplotlib
USER 10002:10002
WORKDIR /home/prorl
EXPOSE 8000
# Settings come from REWARD_* variables (see the README); the code domain needs a Docker engine,
# given by REWARD_SANDBOX_DOCKER_HOST (compose.yaml points it at the stack's sandbox proxy).
CMD ["prorl", "serve", "--host", "0.0.0.0", "--port", "8000"]
