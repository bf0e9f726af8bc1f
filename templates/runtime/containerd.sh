#!/bin/sh
# Configures and starts containerd and BuildKit in the guest for nerdctl. colima runs it as root
# after every boot, its values as arguments, never as code:
#   limactl shell <id> sudo sh -s -- MODE DATA_MOUNT CONTAINERD_TOML BUILDKITD_TOML NERDCTL_TOML
#                                    BINFMT CRI                (guest-lib.sh, then this, on stdin)
# MODE is boot, or running when the VM was already up (active engines are then left alone);
# DATA_MOUNT is where Lima mounted the data disk (empty: none); CONTAINERD_TOML and
# BUILDKITD_TOML are the profile's configuration files, empty for colima's defaults;
# NERDCTL_TOML is nerdctl's configuration; BINFMT is binfmt or no-binfmt; CRI is cri when
# Kubernetes runs on this containerd (colima's default configuration then enables its CRI
# plugin), else no-cri.
# Prints nothing on success; on failure one line on stderr that says why.
set -eu
mode=$1 data=$2 containerd_toml=$3 buildkitd_toml=$4 nerdctl_toml=$5 binfmt=$6 cri=${7:-no-cri}
user=${SUDO_USER:-root}
stop_engine() { systemctl stop buildkit.service containerd.service 2>/dev/null || true; }

if [ "$mode" = running ] && systemctl is-active --quiet containerd.service &&
  systemctl is-active --quiet buildkit.service; then
  exit 0
fi

use_data_disk "$data" containerd buildkit nerdctl cni

# The sockets belong to the Lima user, whose SSH connection forwards them to the host.
uid=$(id -u "$user") gid=$(id -g "$user")
if [ -z "$containerd_toml" ] && [ "$cri" = cri ]; then
  containerd_toml=$(printf 'version = 2\n\n[grpc]\n  uid = %s\n  gid = %s\n\n' "$uid" "$gid"; cri_config)
elif [ -z "$containerd_toml" ]; then
  containerd_toml=$(printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n\n[grpc]\n  uid = %s\n  gid = %s' "$uid" "$gid")
fi
if [ -z "$buildkitd_toml" ]; then
  # The containerd worker builds into the namespace nerdctl uses, so that a build can start
  # FROM an image that exists only locally.
  buildkitd_toml=$(printf '[worker.oci]\n  enabled = false\n\n[worker.containerd]\n  enabled = true\n  namespace = "default"\n\n[grpc]\n  uid = %s\n  gid = %s' "$uid" "$gid")
fi
changed=0
write_if_changed /etc/containerd/config.toml "$containerd_toml"
write_if_changed /etc/buildkit/buildkitd.toml "$buildkitd_toml"
write_if_changed /etc/nerdctl/nerdctl.toml "$nerdctl_toml"

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
