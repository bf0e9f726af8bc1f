#!/bin/sh
# Configures and starts Debian's docker engine in the guest. colima runs it as root after every
# boot, its values as arguments, never as code:
#   limactl shell <id> sudo sh -s -- MODE DATA_MOUNT DAEMON_JSON BINFMT   (this script on stdin)
# MODE is boot, or running when the VM was already up (an active engine is then left alone);
# DATA_MOUNT is where Lima mounted the data disk (empty: none); DAEMON_JSON the daemon.json
# text; BINFMT is binfmt or no-binfmt (foreign-architecture containers through qemu-user).
# Prints nothing on success; on failure one line on stderr that says why.
set -eu
mode=$1 data=$2 config=$3 binfmt=$4
user=${SUDO_USER:-}
fail() {
  printf '%s\n' "$*" >&2
  exit 1
}

if [ "$mode" = running ] && systemctl is-active --quiet docker.service; then
  exit 0
fi

# Container data lives on the data disk, which survives `colima delete` without --data.
if [ -n "$data" ]; then
  mountpoint -q "$data" || fail "the container data disk is not mounted at '$data'"
  # A cloned disk carries its source's label: give it this profile's (ext4 keeps 16
  # characters), and grow the file system when the disk was grown.
  device=$(findmnt -n -o SOURCE "$data")
  label=lima-${data#/mnt/lima-}
  if [ "${#label}" -le 16 ] && [ "$(e2label "$device" 2>/dev/null)" != "$label" ]; then
    e2label "$device" "$label" 2>/dev/null || true
  fi
  resize2fs "$device" >/dev/null 2>&1 || true
  for dir in docker containerd; do
    if ! mountpoint -q "/var/lib/$dir"; then
      systemctl stop docker.service docker.socket containerd.service 2>/dev/null || true
      mkdir -p "$data/$dir" "/var/lib/$dir"
      mount --bind "$data/$dir" "/var/lib/$dir"
    fi
  done
fi

# The socket belongs to the Lima user, whose SSH connection forwards it to the host.
reload=0
if [ -n "$user" ]; then
  usermod -aG docker "$user" 2>/dev/null || true
  dropin=/etc/systemd/system/docker.socket.d/colima.conf
  want=$(printf '[Socket]\nSocketUser=%s' "$user")
  if [ "$(cat "$dropin" 2>/dev/null)" != "$want" ]; then
    mkdir -p "${dropin%/*}"
    printf '%s\n' "$want" >"$dropin"
    reload=1
  fi
fi

# daemon.json: dockerd checks the new text before it replaces the current file.
mkdir -p /etc/docker
next=/etc/docker/.daemon.json.colima
printf '%s\n' "$config" >"$next"
if ! out=$(dockerd --validate --config-file "$next" 2>&1); then
  rm -f "$next"
  fail "the docker engine refused its configuration: $(printf '%s\n' "$out" | tail -n 1)"
fi
changed=0
cmp -s "$next" /etc/docker/daemon.json || changed=1
mv "$next" /etc/docker/daemon.json

if [ "$binfmt" = binfmt ] && [ -d /usr/lib/binfmt.d ] && [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
fi
if [ "$binfmt" = binfmt ] && ls /usr/lib/binfmt.d/qemu-*.conf >/dev/null 2>&1 &&
  ! ls /proc/sys/fs/binfmt_misc/qemu-* >/dev/null 2>&1; then
  systemctl restart systemd-binfmt.service || true
fi

[ "$reload" = 0 ] || systemctl daemon-reload
if [ "$changed" = 1 ] || [ "$reload" = 1 ]; then
  if systemctl is-active --quiet docker.service; then
    systemctl restart docker.socket docker.service 2>/dev/null || true
  fi
fi
if ! systemctl start containerd.service docker.socket docker.service 2>/dev/null; then
  why=$(journalctl -u docker.service -n 40 --no-pager -o cat 2>/dev/null |
    grep -i -e 'error' -e 'failed' | grep -v -e '^docker.service:' -e '^Failed to start' |
    tail -n 1)
  fail "the docker engine did not start: ${why:-see 'sudo journalctl -u docker.service'}"
fi
tries=0
until docker version >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 240 ] || fail "the docker engine does not answer on /var/run/docker.sock"
  sleep 0.5
done
