#!/usr/bin/env bash
# Make sure a Docker engine answers. Installs and starts one when it can (root + apt-get);
# otherwise says exactly what to do. Also installs the offline image-build tools (debootstrap)
# and bubblewrap for the local backend when they are missing. Idempotent.
set -euo pipefail

log() { printf '[ensure-docker] %s\n' "$*" >&2; }

have_engine() { docker info >/dev/null 2>&1; }

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    return 1
  fi
  if [ ! -f /tmp/.gapforge-apt-updated ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && touch /tmp/.gapforge-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

missing=()
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt_install "${missing[@]}" || log "could not install ${missing[*]} (not root or no apt-get); continuing"
fi

if have_engine; then
  log "Docker engine is running"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "no Docker engine installed; installing docker.io"
  if ! apt_install docker.io; then
    log "cannot install Docker here. Install Docker Engine (https://docs.docker.com/engine/install/),"
    log "start it (sudo systemctl start docker), add yourself to the docker group, then rerun."
    exit 1
  fi
fi

if [ "$(id -u)" != 0 ]; then
  log "the Docker engine is not running and starting it needs root: run 'sudo systemctl start docker'"
  log "(or 'sudo dockerd &'), make sure 'docker info' works for your user, then rerun."
  exit 1
fi

if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
  systemctl start docker || true
fi
if ! have_engine; then
  log "starting dockerd in the background (log: /var/log/gapforge-dockerd.log)"
  nohup dockerd >/var/log/gapforge-dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  if have_engine; then
    log "Docker engine is running"
    exit 0
  fi
  sleep 1
done
log "dockerd did not come up within 60 s; see /var/log/gapforge-dockerd.log"
tail -n 20 /var/log/gapforge-dockerd.log >&2 || true
exit 1
