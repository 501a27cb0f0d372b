#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the code domain and its tests: installs docker.io and
# debootstrap from Debian when missing and starts dockerd in the background when none runs
# (both need root; elsewhere, start Docker yourself). Idempotent: does nothing when `docker info`
# already works.
set -euo pipefail
if docker info >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "docker_up.sh: no Docker engine answers and this is not root; start Docker, then rerun" >&2
    exit 1
fi
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
    echo "docker_up.sh: installing docker.io and debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
fi
log=/tmp/prorl-dockerd.log
echo "docker_up.sh: starting dockerd (log: $log)"
# --iptables=false: sandboxes run with --network none, and some hosts (containers, CI) have no iptables.
nohup dockerd --iptables=false >"$log" 2>&1 &
for _ in $(seq 60); do
    if docker info >/dev/null 2>&1; then
        exit 0
    fi
    sleep 1
done
echo "docker_up.sh: dockerd did not come up; last lines of $log:" >&2
tail -20 "$log" >&2
exit 1
