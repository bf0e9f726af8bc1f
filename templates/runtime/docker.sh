#!/bin/sh
# Configures and starts Debian's docker engine in the guest. colima runs it as root after every
# boot, its values as arguments, never as code:
#   limactl shell <id> sudo sh -s -- MODE DATA_MOUNT BINFMT CRI   (this script on stdin)
# MODE is boot, or running when the VM was already up (an active engine is then left alone);
# DATA_MOUNT is where Lima mounted the data disk (empty: none); BINFMT is binfmt or no-binfmt
# (foreign-architecture containers through qemu-user); CRI is cri when Kubernetes runs on the
# engine's containerd (its CRI plugin configured by colima), else no-cri (Debian's containerd
# configuration).
# The daemon.json text comes on stdin too, never on a command line (where `ps` and
# /proc/*/cmdline would show it): input_daemon_json writes its exact bytes (see guest-lib.sh).
# Prints nothing on success; on failure one line on stderr that says why.
# The inputs and guest-lib.sh come first on stdin.
set -eu
mode=$1 data=$2 binfmt=$3 cri=${4:-no-cri}
user=${SUDO_USER:-}
stop_engine() { systemctl stop docker.service docker.socket containerd.service 2>/dev/null || true; }

if [ "$mode" = running ] && systemctl is-active --quiet docker.service; then
  exit 0
fi

reload=0
use_data_disk "$data" docker containerd
install_early_start "$data" "containerd.service docker.socket docker.service" "docker containerd"

# The socket belongs to the Lima user, whose SSH connection forwards it to the host.
if [ -n "$user" ]; then
  usermod -aG docker "$user" 2>/dev/null || true
  if write_file /etc/systemd/system/docker.socket.d/colima.conf "$(printf '[Socket]\nSocketUser=%s' "$user")"; then
    reload=1
  fi
fi

# daemon.json: dockerd checks a new text before it replaces the current file (the same text
# as the last start's is not checked again: a dockerd run costs seconds under emulation).
mkdir -p /etc/docker
next=/etc/docker/.daemon.json.colima
input_daemon_json >"$next"
changed=0
if cmp -s "$next" /etc/docker/daemon.json; then
  rm -f "$next"
else
  if ! out=$(dockerd --validate --config-file "$next" 2>&1); then
    rm -f "$next"
    fail "the docker engine refused its configuration: $(printf '%s\n' "$out" | tail -n 1)"
  fi
  changed=1
  mv "$next" /etc/docker/daemon.json
fi

# containerd's configuration: colima's own (marked) while Kubernetes uses its CRI plugin.
marker='# written by colima for Kubernetes'
if [ "$cri" = cri ]; then
  write_if_changed /etc/containerd/config.toml "$(printf '%s\nversion = 2\n\n' "$marker"; cri_config)"
elif [ "$(head -n 1 /etc/containerd/config.toml 2>/dev/null)" = "$marker" ]; then
  rm -f /etc/containerd/config.toml
  changed=1
fi

register_binfmt "$binfmt"

[ "$reload" = 0 ] || reload_if_stale "containerd.service docker.socket docker.service"
# An engine that started at boot (install_early_start) with other settings starts again.
if [ "$changed" = 1 ] || [ "$reload" = 1 ]; then
  stop_engine
fi
if ! systemctl start containerd.service docker.socket docker.service 2>/dev/null; then
  why=$(unit_error docker.service)
  fail "the docker engine did not start: ${why:-see 'sudo journalctl -u docker.service'}"
fi
wait_for docker version || fail "the docker engine does not answer on /var/run/docker.sock"
