#!/bin/sh
# Configures and starts incus in the guest. colima runs it as root after every boot, its values
# as arguments, never as code:
#   limactl shell <id> sudo sh -s -- MODE DATA_MOUNT DISK_GIB   (this script on stdin)
# MODE is boot, or running when the VM was already up (an active daemon is then left alone);
# DATA_MOUNT is where Lima mounted the data disk; DISK_GIB the data disk's size, which the
# storage pool follows when the disk grew. input_preseed writes the `incus admin init` document
# of a first start (see guest-lib.sh for inputs).
# All of /var/lib/incus lives on the data disk: the database, the images and the btrfs loop
# pool, so instances survive `colima delete` without --data. The image leaves incus's units
# disabled, so nothing writes /var/lib/incus before the data disk is bound there; this script
# starts the socket and the daemon afterwards, every boot.
# Prints nothing on success; on failure one line on stderr that says why.
# The inputs and guest-lib.sh come first on stdin.
set -eu
mode=$1 data=$2 disk_gib=$3
user=${SUDO_USER:-root}
stop_engine() {
  systemctl stop incus-startup.service incus.service incus.socket 2>/dev/null || true
}

if [ "$mode" = running ] && systemctl is-active --quiet incus.service; then
  exit 0
fi

reload=0
use_data_disk "$data" incus
install_early_start "$data" "incus.socket incus.service" incus

# The socket belongs to the Lima user: the SSH session that forwards it to the host may have
# been opened before the user joined incus-admin, and would not get in through the group.
changed=0
write_if_changed /etc/systemd/system/incus.socket.d/colima.conf "$(printf '[Socket]\nSocketUser=%s\n' "$user")"
if [ "$changed" = 1 ] || [ "$reload" = 1 ]; then
  reload_if_stale "incus.socket incus.service"
  stop_engine
fi
# Unprivileged containers map their ids to root's subordinate range: Debian gives root none, and
# the Lima user's range (from 100000) is its own.
for file in /etc/subuid /etc/subgid; do
  grep -q '^root:' "$file" 2>/dev/null || printf 'root:1000000:1000000000\n' >>"$file"
done
# incus in the guest's shell, without sudo.
if [ "$user" != root ] && ! id -nG "$user" | tr ' ' '\n' | grep -qx incus-admin; then
  usermod -aG incus-admin "$user"
fi

if ! systemctl start incus.socket incus.service 2>/dev/null; then
  why=$(unit_error incus.service)
  fail "incus did not start: ${why:-see 'sudo journalctl -u incus.service'}"
fi
wait_for incus info || fail "incus does not answer on /var/lib/incus/unix.socket"

# A first start (no bridge yet): the network, the pool and the default profile. A database that
# is gone while its pool's file is still there is not made anew over the pool.
if ! incus network show incusbr0 >/dev/null 2>&1; then
  if [ -e /var/lib/incus/disks/default.img ]; then
    fail "incus's storage pool is on the data disk but its database is not: recover it with 'colima ssh -- sudo incus admin recover', or start afresh with 'colima delete --data'"
  fi
  out=$(input_preseed | incus admin init --preseed 2>&1) ||
    fail "incus admin init --preseed failed: $(printf '%s' "$out" | tail -n 1)"
fi
# A grown data disk grows the pool (never shrinks: incus refuses that, and so does colima).
incus storage set default size="${disk_gib}GiB" >/dev/null 2>&1 || true
