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

if [ "$mode" = running ] && systemctl is-active --quiet containerd.service &&
  systemctl is-active --quiet buildkit.service; then
  exit 0
fi

use_data_disk "$data" containerd buildkit nerdctl cni

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

if [ "$changed" = 1 ] && systemctl is-active --quiet containerd.service; then
  systemctl restart containerd.service 2>/dev/null || true
fi
if ! systemctl start containerd.service 2>/dev/null; then
  why=$(unit_error containerd.service)
  fail "containerd did not start: ${why:-see 'sudo journalctl -u containerd.service'}"
fi
wait_for nerdctl info || fail "containerd does not answer on /run/containerd/containerd.sock"
if [ "$changed" = 1 ] && systemctl is-active --quiet buildkit.service; then
  systemctl restart buildkit.service 2>/dev/null || true
fi
if ! systemctl start buildkit.service 2>/dev/null; then
  why=$(unit_error buildkit.service)
  fail "buildkitd did not start: ${why:-see 'sudo journalctl -u buildkit.service'}"
fi
wait_for buildctl debug workers || fail "buildkitd does not answer on /run/buildkit/buildkitd.sock"
# buildkitd makes its socket's directory for root alone.
chmod 0711 /run/buildkit 2>/dev/null || true
