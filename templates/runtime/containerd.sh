#!/bin/sh
# Configures and starts containerd and BuildKit in the guest for nerdctl. colima runs it as root
# after every boot, its values as arguments, never as code:
#   limactl shell <id> sudo sh -s -- MODE DATA_MOUNT BINFMT CRI   (this script on stdin)
# MODE is boot, or running when the VM was already up (active engines are then left alone);
# DATA_MOUNT is where Lima mounted the data disk (empty: none); BINFMT is binfmt or no-binfmt;
# CRI is cri when Kubernetes runs on this containerd (colima's default configuration then
# enables its CRI plugin), else no-cri.
# The configuration files come on stdin too, never on a command line (where `ps` and
# /proc/*/cmdline would show them), each written with its exact bytes by a function (see
# guest-lib.sh): input_containerd_toml and input_buildkitd_toml the profile's files (empty for
# colima's defaults), input_nerdctl_toml nerdctl's.
# Prints nothing on success; on failure one line on stderr that says why.
# The inputs and guest-lib.sh come first on stdin.
set -eu
mode=$1 data=$2 binfmt=$3 cri=${4:-no-cri}
user=${SUDO_USER:-root}
stop_engine() { systemctl stop buildkit.service containerd.service 2>/dev/null || true; }

# No unit stops a container at shutdown: runc's scopes (nerdctl-<id>.scope) have no default
# dependencies and containerd.service stops only containerd (KillMode=process), so a container's
# processes were left to systemd-shutdown's final SIGTERM, which a first process without a
# SIGTERM handler never gets (the kernel drops it for the init of a PID namespace), and
# systemd-shutdown waited 90 s before its SIGKILL: a stop with such a container took 95-100 s.
# colima-stop-containers.service stops the containers first, while containerd still runs, the
# way dockerd stops its own: SIGTERM and up to 10 s for a first process that handles it, SIGKILL
# at once for one that cannot receive it.
install_container_stop() {
  changed=0
  mkdir -p /usr/local/libexec/colima
  cat >/usr/local/libexec/colima/stop-containers.colima-new <<'HELPER'
#!/bin/sh
# Stops containerd's running containers, in every namespace (written by colima, run at shutdown
# by colima-stop-containers.service while containerd still runs). Usage: stop-containers [GRACE
# [TASKS]]. Each container's first process is named by its shim in TASKS/<namespace>/<id>/init.pid
# (TASKS: /run/containerd/io.containerd.runtime.v2.task) and is the shim's child while it runs
# (the kernel keeps the shim's name as containerd-shim). One that handles SIGTERM gets it, and
# SIGKILL if it still runs after GRACE seconds (default 10); one without a SIGTERM handler gets
# SIGKILL at once: SIGTERM cannot stop the first process of a PID namespace that does not
# handle it (the kernel drops it) and would end any other without cleanup. The files, not ctr:
# ctr costs seconds of CPU under emulation.
grace=${1:-10} tasks=${2:-/run/containerd/io.containerd.runtime.v2.task}

# Whether process $1 is the child of a containerd shim.
shim_child() {
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  # The fields after the command's name: state, parent pid...
  # shellcheck disable=SC2086
  set -- ${stat##*) }
  read -r comm 2>/dev/null <"/proc/$2/comm" && [ "$comm" = containerd-shim ]
}

# Whether process $1 handles SIGTERM (signal 15: bit 0x4000 of its SigCgt mask).
handles_term() {
  mask=
  while read -r key value; do
    if [ "$key" = SigCgt: ]; then
      mask=$value
      break
    fi
  done 2>/dev/null <"/proc/$1/status"
  [ -n "$mask" ] && [ $((0x${mask#"${mask%????}"} & 0x4000)) -ne 0 ]
}

waiting=
for file in "$tasks"/*/*/init.pid; do
  # The shim writes the pid without a newline: read would fail at its end.
  pid=$(cat "$file" 2>/dev/null) || continue
  case $pid in '' | *[!0-9]*) continue ;; esac
  shim_child "$pid" || continue
  if handles_term "$pid" && kill -TERM "$pid" 2>/dev/null; then
    waiting="$waiting $pid"
  else
    kill -KILL "$pid" 2>/dev/null
  fi
done
ticks=0
while [ -n "$waiting" ] && [ "$ticks" -lt $((grace * 5)) ]; do
  sleep 0.2
  ticks=$((ticks + 1))
  alive=
  for pid in $waiting; do
    [ ! -e "/proc/$pid" ] || alive="$alive $pid"
  done
  waiting=$alive
done
for pid in $waiting; do
  kill -KILL "$pid" 2>/dev/null
done
exit 0
HELPER
  chmod 0755 /usr/local/libexec/colima/stop-containers.colima-new
  replace_if_changed /usr/local/libexec/colima/stop-containers
  write_if_changed /etc/systemd/system/colima-stop-containers.service "$(
    cat <<'UNIT'
[Unit]
Description=Stop containerd's containers before containerd at shutdown (colima)
After=containerd.service buildkit.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/usr/local/libexec/colima/stop-containers 10
TimeoutStopSec=30s

[Install]
WantedBy=multi-user.target
UNIT
  )"
  if [ "$changed" = 1 ]; then
    reload_if_stale colima-stop-containers.service
    systemctl enable --quiet --no-reload colima-stop-containers.service 2>/dev/null || true
  fi
  systemctl start colima-stop-containers.service 2>/dev/null || true
}
install_container_stop

if [ "$mode" = running ] && systemctl is-active --quiet containerd.service &&
  systemctl is-active --quiet buildkit.service; then
  exit 0
fi

reload=0
use_data_disk "$data" containerd buildkit nerdctl cni
install_early_start "$data" "containerd.service buildkit.service" "containerd buildkit nerdctl cni"
[ "$reload" = 0 ] || reload_if_stale "containerd.service buildkit.service"

# The sockets belong to the Lima user, whose SSH connection forwards them to the host.
uid=$(id -u "$user") gid=$(id -g "$user")
changed=0
mkdir -p /etc/containerd /etc/buildkit /etc/nerdctl
input_containerd_toml >/etc/containerd/config.toml.colima-new
if [ ! -s /etc/containerd/config.toml.colima-new ] && [ "$cri" = cri ]; then
  {
    printf 'version = 2\n\n[grpc]\n  uid = %s\n  gid = %s\n\n' "$uid" "$gid"
    cri_config
  } >/etc/containerd/config.toml.colima-new
elif [ ! -s /etc/containerd/config.toml.colima-new ]; then
  printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n\n[grpc]\n  uid = %s\n  gid = %s\n' \
    "$uid" "$gid" >/etc/containerd/config.toml.colima-new
fi
replace_if_changed /etc/containerd/config.toml
input_buildkitd_toml >/etc/buildkit/buildkitd.toml.colima-new
if [ ! -s /etc/buildkit/buildkitd.toml.colima-new ]; then
  # The containerd worker builds into the namespace nerdctl uses, so that a build can start
  # FROM an image that exists only locally.
  printf '[worker.oci]\n  enabled = false\n\n[worker.containerd]\n  enabled = true\n  namespace = "default"\n\n[grpc]\n  uid = %s\n  gid = %s\n' \
    "$uid" "$gid" >/etc/buildkit/buildkitd.toml.colima-new
fi
replace_if_changed /etc/buildkit/buildkitd.toml
input_nerdctl_toml >/etc/nerdctl/nerdctl.toml.colima-new
replace_if_changed /etc/nerdctl/nerdctl.toml

register_binfmt "$binfmt"

# Engines that started at boot (install_early_start) with other settings start again.
if [ "$changed" = 1 ] || [ "$reload" = 1 ]; then
  stop_engine
fi
if ! systemctl start containerd.service 2>/dev/null; then
  why=$(unit_error containerd.service)
  fail "containerd did not start: ${why:-see 'sudo journalctl -u containerd.service'}"
fi
wait_for nerdctl info || fail "containerd does not answer on /run/containerd/containerd.sock"
if ! systemctl start buildkit.service 2>/dev/null; then
  why=$(unit_error buildkit.service)
  fail "buildkitd did not start: ${why:-see 'sudo journalctl -u buildkit.service'}"
fi
wait_for buildctl debug workers || fail "buildkitd does not answer on /run/buildkit/buildkitd.sock"
# buildkitd makes its socket's directory for root alone.
chmod 0711 /run/buildkit 2>/dev/null || true
