# shellcheck shell=sh
# Functions shared by the runtimes' guest scripts; colima sends this text ahead of a runtime's
# script on the same stdin, so a runtime's script says only what is its own.
# Ahead of both come the script's inputs (file contents that must not travel as arguments): one
# function per input, `input_NAME() { printf '%s' 'BASE64' | base64 -d; }`, which writes the
# input's exact bytes on stdout. base64 text holds no quote, so no content can end the quoting.

fail() {
  printf '%s\n' "$*" >&2
  exit 1
}

# Puts /var/lib/<dir> of each named directory on the data disk mounted at $1 (empty: no data
# disk), which survives `colima delete` without --data. A cloned disk carries its source's
# label: it gets this profile's (ext4 keeps 16 characters); a grown disk gets a grown file
# system. Runs stop_engine (defined by the runtime's script) before binding what is not bound
# yet (colima-engine.service binds at boot, see install_early_start).
use_data_disk() {
  data=$1
  shift
  [ -n "$data" ] || return 0
  mountpoint -q "$data" || fail "the container data disk is not mounted at '$data'"
  device=$(findmnt -n -o SOURCE "$data")
  label=lima-${data#/mnt/lima-}
  if [ "${#label}" -le 16 ] && [ "$(e2label "$device" 2>/dev/null)" != "$label" ]; then
    e2label "$device" "$label" 2>/dev/null || true
  fi
  resize2fs "$device" >/dev/null 2>&1 || true
  install_bind_helper
  for dir in "$@"; do
    if ! mountpoint -q "/var/lib/$dir"; then
      stop_engine
      /usr/local/libexec/colima/bind-data "$data" "$@"
      break
    fi
  done
}

# Writes the program that binds the engine's directories to the data disk: use_data_disk runs
# it after every boot, and colima-engine.service before the engine at boot. Fixed text: the
# values travel as its arguments.
install_bind_helper() {
  mkdir -p /usr/local/libexec/colima
  cat >/usr/local/libexec/colima/bind-data.colima-new <<'HELPER'
#!/bin/sh
# Binds /var/lib/DIR to DATA/DIR, for each DIR that is not a mount point yet: a container
# engine's state on the data disk mounted at DATA (written by colima, which runs it after every
# boot; colima-engine.service runs it at boot before the engine starts).
# Usage: bind-data DATA DIR...
set -eu
data=$1
shift
if ! mountpoint -q "$data"; then
  printf "bind-data: '%s' is not a mount point\n" "$data" >&2
  exit 1
fi
for dir in "$@"; do
  if ! mountpoint -q "/var/lib/$dir"; then
    mkdir -p "$data/$dir" "/var/lib/$dir"
    mount --bind "$data/$dir" "/var/lib/$dir"
  fi
done
HELPER
  chmod 0755 /usr/local/libexec/colima/bind-data.colima-new
  put_if_changed /usr/local/libexec/colima/bind-data || true
}

# Starts the engine at boot as soon as Lima has mounted the data disk at $1, beside Lima's
# remaining boot work, instead of after Lima's READY when colima's script runs: the data disk's
# mount unit wants colima-engine.service, which binds directories $3 (bind-data) and wants the
# units $2, ordered after itself. Without a data disk nothing runs early. The script that runs
# after READY finds the engine started or starting, and waits for it. Sets reload=1 when a unit
# changed.
# shellcheck disable=SC2034 # reload is read by the runtime script that sourced this text
install_early_start() {
  data=$1 units=$2 dirs=$3
  [ -n "$data" ] || return 0
  case $data in
    /mnt/*[!A-Za-z0-9/._-]* | /mnt/) return 0 ;;
    /mnt/*) ;;
    *) return 0 ;;
  esac
  unit=/etc/systemd/system/colima-engine.service
  mount_unit=$(systemd-escape --path --suffix=mount "$data")
  if write_file "$unit" "[Unit]
Description=Container engine's data on the data disk, then the engine, at boot (colima)
After=$mount_unit
Before=$units
Wants=$units
ConditionPathIsMountPoint=$data

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/libexec/colima/bind-data $data $dirs"; then
    reload=1
  fi
  wants=/etc/systemd/system/$mount_unit.wants
  if [ "$(readlink "$wants/colima-engine.service" 2>/dev/null)" != "$unit" ]; then
    mkdir -p "$wants"
    ln -sfn "$unit" "$wants/colima-engine.service"
    reload=1
  fi
}

# Reloads systemd's units (about 2 s under emulation) only when one of the units $1 is loaded
# from an older text than its files now: a unit not loaded yet is read from its files when it
# starts, and the early-start unit and its link are read anew at the next boot.
reload_if_stale() {
  # shellcheck disable=SC2086 # $1 is a list of unit names
  case " $(systemctl show -P NeedDaemonReload $1 2>/dev/null | tr '\n' ' ') " in
    *" yes "*) systemctl daemon-reload ;;
  esac
}

# Registers qemu-user with binfmt_misc for foreign-architecture containers when $1 is binfmt.
register_binfmt() {
  [ "$1" = binfmt ] || return 0
  if [ -d /usr/lib/binfmt.d ] && [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  fi
  if ls /usr/lib/binfmt.d/qemu-*.conf >/dev/null 2>&1 &&
    ! ls /proc/sys/fs/binfmt_misc/qemu-* >/dev/null 2>&1; then
    systemctl restart systemd-binfmt.service || true
  fi
}

# Writes text $2 to file $1 (with a final newline) when it differs; sets changed=1 then. For
# short text colima's scripts make; files the user supplies come as inputs and keep their bytes
# through replace_if_changed.
write_if_changed() {
  if write_file "$1" "$2"; then
    # shellcheck disable=SC2034 # read by the runtime script that sourced this text
    changed=1
  fi
}

# Writes text $2 to file $1 (with a final newline), atomically, when it differs; succeeds only
# when it wrote.
write_file() {
  mkdir -p "${1%/*}"
  want=$(printf '%s' "$2")
  [ "$(cat "$1" 2>/dev/null)" != "$want" ] || return 1
  printf '%s\n' "$want" >"$1.colima-new"
  mv "$1.colima-new" "$1"
}

# Puts $1.colima-new (the wanted content, written by the caller) in place of file $1 when the
# two differ and sets changed=1 then; drops it otherwise.
replace_if_changed() {
  if put_if_changed "$1"; then
    # shellcheck disable=SC2034 # read by the runtime script that sourced this text
    changed=1
  fi
}

# Puts $1.colima-new in place of file $1 when the two differ; drops it otherwise. Succeeds only
# when it replaced the file.
put_if_changed() {
  if cmp -s "$1.colima-new" "$1"; then
    rm -f "$1.colima-new"
    return 1
  fi
  mv "$1.colima-new" "$1"
}

# Waits up to 120 s for command "$@" to succeed.
wait_for() {
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 240 ] || return 1
    sleep 0.5
  done
}

# The last error line a unit logged, for a failure message.
unit_error() {
  journalctl -u "$1" -n 40 --no-pager -o cat 2>/dev/null |
    grep -i -e 'error' -e 'failed' -e 'fatal' | grep -v -e "^$1:" -e '^Failed to start' |
    tail -n 1
}

# containerd's CRI plugin as Kubernetes needs it: systemd cgroups (as the kubelet), Debian's CNI
# plugins, and the sandbox image that the Kubernetes script tags from its distribution's pause.
cri_config() {
  cat <<'CRI'
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "colima.local/kubernetes/pause:sandbox"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "/etc/cni/net.d"
CRI
}
