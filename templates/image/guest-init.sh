#!/bin/sh
# colima's guest init, in place of cloud-init: answers Lima's cidata (the NoCloud ISO that Lima
# writes on every start) with what Lima needs from a guest, and nothing more. The image installs
# it as /usr/local/libexec/colima-init; systemd runs
#   colima-init network early, before networkd: mount the cidata, name and configure the NICs,
#                       hostname;
#   colima-init local   beside networkd, before sshd: time zone, the user with its sudo rule and
#                       keys, sshd's host key, 9p mounts;
#   colima-init boot    once sshd and the network are up: Lima's boot.sh (its boot scripts, the
#                       guest agent, provisioning), which ends with /run/lima-boot-done;
#   colima-init grow    beside them: grows the root partition and file system to the disk;
#   colima-init systemctl ARGS  systemctl for Lima's boot scripts (a daemon-reload that would
#                       change nothing is skipped).
# Every value comes from the cidata and is checked before it is used; none runs as code.
set -eu

mnt=${COLIMA_INIT_CIDATA:-/mnt/lima-cidata}
log() { printf 'colima-init: %s\n' "$*"; }
die() {
  log "error: $*"
  exit 1
}

# Runs one step of the early init; a step that fails is logged and the others still run (a
# failed mount or a NIC that cannot be renamed must not keep sshd and Lima's user away).
step() {
  "$@" || log "error: '$1' failed; the boot goes on"
}

# Lima's cidata is an ISO 9660 CD-ROM labelled cidata (a SCSI CD on every architecture): probed
# on the devices the kernel made, without waiting for udev's by-label link, which udev's
# coldplug of every device makes about 10 s into a boot under software emulation.
find_cidata() {
  for candidate in /dev/disk/by-label/cidata /dev/sr[0-9]*; do
    [ -b "$candidate" ] || continue
    if [ "$(blkid -p -s LABEL -o value "$candidate" 2>/dev/null)" = cidata ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

mount_cidata() {
  if mountpoint -q "$mnt"; then
    return 0
  fi
  tries=0
  until device=$(find_cidata); do
    tries=$((tries + 1))
    [ "$tries" -le 300 ] || die "no cidata disk (a CD-ROM labelled cidata) after 30 s: was this VM started by Lima?"
    sleep 0.1
  done
  install -d -m 0700 "$mnt"
  # Lima's host agent reads $mnt/param.env in every readiness check: keep it mounted.
  mount -o ro,mode=0700,dmode=0700,overriderockperm,exec,uid=0 "$device" "$mnt"
}

# Exports the LIMA_CIDATA_* variables of lima.env (NAME=value lines), nothing else.
load_lima_env() {
  while IFS= read -r line; do
    case $line in
      LIMA_CIDATA_[A-Z0-9_]*=*) export "${line?}" ;;
    esac
  done <"$mnt/lima.env"
}

# Prints one line per NIC of network-config (netplan v2 as Lima writes it):
# NAME MAC METRIC OPTIONAL DNS,DNS...
nics() {
  awk '
    function flush() {
      if (name != "") { print name, mac, metric, optional, (dns == "" ? "-" : dns) }
      name = ""; mac = ""; metric = 0; optional = "no"; dns = ""
    }
    /^ethernets:/ { ethernets = 1; next }
    ethernets && /^  [^ ].*:[ \t]*$/ { flush(); name = $1; sub(/:$/, "", name); next }
    $1 == "macaddress:" { mac = $2; gsub(/\047|"/, "", mac); next }
    $1 == "route-metric:" { metric = $2; next }
    $1 == "optional:" && $2 == "true" { optional = "yes"; next }
    $1 == "-" && name != "" { dns = dns (dns == "" ? "" : ",") $2; next }
    END { flush() }
  ' "$mnt/network-config"
}

link_with_mac() {
  for link in /sys/class/net/*; do
    if [ "$(cat "$link/address" 2>/dev/null)" = "$1" ]; then
      basename "$link"
      return 0
    fi
  done
  return 1
}

# Names each NIC as Lima asks (by MAC: eth0 is the slirp NIC its checks expect) and gives it to
# systemd-networkd, which starts after this: DHCP, Lima's route metric, its DNS servers.
configure_network() {
  [ -f "$mnt/network-config" ] || return 0
  mkdir -p /run/systemd/network
  rm -f /run/systemd/network/10-colima-*.network
  renamed=0
  nics | while read -r name mac metric optional dns; do
    if ! printf '%s' "$name" | grep -Eqx '[a-z][a-z0-9]{0,14}' ||
      ! printf '%s' "$mac" | grep -Eqx '([0-9a-f]{2}:){5}[0-9a-f]{2}' ||
      ! printf '%s' "$metric" | grep -Eqx '[0-9]{1,5}'; then
      log "ignoring a NIC entry of network-config: '$name' '$mac' '$metric'"
      continue
    fi
    current=$(link_with_mac "$mac") || {
      log "no NIC with MAC $mac for '$name'"
      continue
    }
    if [ "$current" != "$name" ]; then
      # Another NIC holding the name steps aside first (it is renamed in its own turn).
      if [ -e "/sys/class/net/$name" ]; then
        renamed=$((renamed + 1))
        ip link set dev "$name" down
        ip link set dev "$name" name "colima$renamed"
      fi
      ip link set dev "$current" down
      ip link set dev "$current" name "$name"
    fi
    {
      printf '[Match]\nMACAddress=%s\n\n' "$mac"
      [ "$optional" = no ] || printf '[Link]\nRequiredForOnline=no\n\n'
      printf '[Network]\nDHCP=ipv4\n'
      if [ "$dns" != - ]; then
        printf '%s\n' "$dns" | tr ',' '\n' | grep -Ex '[0-9a-fA-F.:]+' | sed 's/^/DNS=/'
      fi
      printf '\n[DHCPv4]\nRouteMetric=%s\nClientIdentifier=mac\n' "$metric"
    } >"/run/systemd/network/10-colima-$name.network"
  done
}

set_hostname() {
  name=$(sed -n 's/^local-hostname:[[:space:]]*//p' "$mnt/meta-data" | head -n 1)
  printf '%s' "$name" | grep -Eqx '[A-Za-z0-9]([A-Za-z0-9.-]{0,62})' || {
    log "ignoring the hostname '$name' of meta-data"
    return 0
  }
  hostname "$name"
  printf '%s\n' "$name" >/etc/hostname
  sed -i '/^127\.0\.1\.1[[:space:]]/d' /etc/hosts
  printf '127.0.1.1 %s\n' "$name" >>/etc/hosts
}

set_timezone() {
  zone=$(sed -n 's/^timezone:[[:space:]]*//p' "$mnt/user-data" | head -n 1)
  [ -n "$zone" ] || return 0
  case $zone in
    /* | *..*) log "ignoring the time zone '$zone'" ;;
    *)
      if [ -f "/usr/share/zoneinfo/$zone" ]; then
        ln -sf "/usr/share/zoneinfo/$zone" /etc/localtime
        printf '%s\n' "$zone" >/etc/timezone
      else
        log "the time zone '$zone' is not in /usr/share/zoneinfo; keeping $(readlink /etc/localtime || echo UTC)"
      fi
      ;;
  esac
}

# The ssh keys of user-data's ssh-authorized-keys list (Go-quoted strings).
authorized_keys() {
  awk '
    /^[ \t]*ssh-authorized-keys:/ { keys = 1; next }
    keys && /^[ \t]*- / {
      line = $0
      sub(/^[ \t]*- */, "", line); sub(/^"/, "", line); sub(/"[ \t]*$/, "", line)
      print line
      next
    }
    keys { keys = 0 }
  ' "$mnt/user-data" | grep -E '^(ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( .*)?$' || true
}

# Lima's user: created once (uid, home, shell, comment from lima.env), its sudo rule and keys
# written on every boot.
set_up_user() {
  user=${LIMA_CIDATA_USER:?}
  printf '%s' "$user" | grep -Eqx '[a-z_][a-z0-9_.-]{0,31}' || die "invalid user name '$user' in lima.env"
  uid=${LIMA_CIDATA_UID:?}
  printf '%s' "$uid" | grep -Eqx '[0-9]{1,9}' || die "invalid uid '$uid' in lima.env"
  home=${LIMA_CIDATA_HOME:?}
  case $home in /*) ;; *) die "invalid home '$home' in lima.env" ;; esac
  shell=${LIMA_CIDATA_SHELL:-/bin/bash}
  [ -x "$shell" ] || shell=/bin/bash
  if ! id -u "$user" >/dev/null 2>&1; then
    comment=$(printf '%s' "${LIMA_CIDATA_COMMENT:-}" | tr -d ':\n')
    useradd --uid "$uid" --user-group --create-home --home-dir "$home" --shell "$shell" \
      --comment "$comment" "$user"
  fi
  rule="ALL=(ALL) ALL"
  [ "${LIMA_CIDATA_PASSWORDLESS_SUDO:-}" != 1 ] || rule="ALL=(ALL) NOPASSWD:ALL"
  printf '%s %s\n' "$user" "$rule" >/etc/sudoers.d/.90-lima-users.new
  chmod 0440 /etc/sudoers.d/.90-lima-users.new
  mv -f /etc/sudoers.d/.90-lima-users.new /etc/sudoers.d/90-lima-users
  group=$(id -g "$user")
  install -d -m 0700 -o "$uid" -g "$group" "$home/.ssh"
  authorized_keys >"$home/.ssh/.authorized_keys.new"
  [ -s "$home/.ssh/.authorized_keys.new" ] || log "user-data names no ssh key: Lima cannot log in"
  chown "$uid:$group" "$home/.ssh/.authorized_keys.new"
  chmod 0600 "$home/.ssh/.authorized_keys.new"
  mv -f "$home/.ssh/.authorized_keys.new" "$home/.ssh/authorized_keys"
}

# The image ships no host key (every VM makes its own, once); sshd uses this one only.
make_host_key() {
  key=/etc/ssh/ssh_host_ed25519_key
  [ -s "$key" ] || ssh-keygen -q -t ed25519 -N '' -C "" -f "$key"
}

# user-data's mounts, one per line: TAG<tab>MOUNTPOINT<tab>TYPE<tab>OPTIONS (from Lima's
# [tag, mountpoint, type, "options", "0", "0"] entries).
shares() {
  awk '
    /^mounts:/ { mounts = 1; next }
    mounts && /^- \[/ {
      line = $0; sub(/^- \[/, "", line); sub(/\][ \t]*$/, "", line)
      n = split(line, field, /, /)
      if (n >= 4) { gsub(/"/, "", field[4]); print field[1] "\t" field[2] "\t" field[3] "\t" field[4] }
      next
    }
    mounts && !/^- / { mounts = 0 }
  ' "$mnt/user-data"
}

# As cloud-init's, a 9p or virtiofs mount that fails does not stop the boot (Lima gives them
# `nofail`); colima checks its mounts after the boot.
mount_shares() {
  shares | while IFS="$(printf '\t')" read -r tag point type options; do
    case $type in 9p | virtiofs) ;; *) continue ;; esac
    case $point in /*) ;; *) continue ;; esac
    mountpoint -q "$point" && continue
    if ! mkdir -p "$point" || ! mount -t "$type" -o "$options" "$tag" "$point"; then
      log "cannot mount '$tag' on '$point'"
    fi
  done
}

# Whether partition $2 of disk $1 reaches the disk's end, as growpart leaves it (it keeps the
# GPT's backup header and 1 MiB alignment): sizes in sectors from sysfs.
fills_disk() {
  disk_size=$(cat "$sysfs/class/block/$1/size") || return 1
  start=$(cat "$sysfs/class/block/$2/start") || return 1
  size=$(cat "$sysfs/class/block/$2/size") || return 1
  [ $((disk_size - start - size)) -lt 4096 ]
}

grow_root() {
  source=$(findmnt -no SOURCE /)
  partition=${source##*/}
  [ -r "$sysfs/class/block/$partition/partition" ] || return 0
  number=$(cat "$sysfs/class/block/$partition/partition")
  disk=$(basename "$(readlink -f "$sysfs/class/block/$partition/..")")
  # Every boot but the first after Lima grew the disk: nothing to do, and growpart's checks
  # cost seconds of CPU that the boot needs under software emulation.
  if fills_disk "$disk" "$partition"; then
    return 0
  fi
  # growpart says NOCHANGE (exit 1) when the partition already fills the disk.
  if growpart "/dev/$disk" "$number" >/dev/null; then
    resize2fs "$source" >/dev/null 2>&1 || log "cannot grow the root file system '$source'"
  fi
}

# Waits (up to 30 s, as Lima's own boot commands do) for the slirp NIC's address, which the
# provisioning scripts may need.
wait_for_address() {
  tries=0
  until ip -4 addr show dev eth0 2>/dev/null | grep -q inet; do
    tries=$((tries + 1))
    [ "$tries" -le 300 ] || {
      log "eth0 has no IPv4 address after 30 s"
      return 0
    }
    sleep 0.1
  done
}

# Lima's boot scripts find disks by udev's links (/dev/disk/by-label/lima-NAME) and partition a
# new data disk, so udev must be done with the VM's disks and their partitions first (a data
# disk was left unmounted on a loaded host); the rest of udev's coldplug need not be waited for.
wait_for_disks() {
  set -- /dev/vd[a-z]*
  [ -e "$1" ] || return 0
  udevadm wait --timeout=120 "$@" || log "udev had not processed $* after 120 s; the boot goes on"
}

# Whether a unit file (or /etc/fstab, which a generator reads) changed since systemd last
# loaded its units: it runs its generators at every load, into a directory made anew.
units_changed() {
  stamp=$root/run/systemd/generator
  [ -d "$stamp" ] || return 0
  [ -n "$(find "$root/etc/systemd" "$root/run/systemd/system" "$root/usr/lib/systemd/system" \
    "$root/usr/local/lib/systemd/system" "$root/etc/fstab" -newer "$stamp" -print 2>/dev/null |
    head -n 1)" ]
}

# systemctl for Lima's boot scripts (first on boot.sh's PATH): a daemon-reload with no unit file
# changed since the last load is skipped (20-rootless-base.sh asks for one at every boot: 2-4 s
# under software emulation); everything else goes to systemctl.
systemctl_for_boot() {
  if [ "$#" = 1 ] && [ "$1" = daemon-reload ] && ! units_changed; then
    return 0
  fi
  exec "${COLIMA_INIT_SYSTEMCTL:-/usr/bin/systemctl}" "$@"
}

sysfs=${COLIMA_INIT_SYSFS:-/sys}
root=${COLIMA_INIT_ROOT:-}

case ${1:-} in
  # Only what networkd needs goes before it: Lima stops a VM whose DHCP lease is late.
  network)
    mount_cidata
    step configure_network
    step set_hostname
    ;;
  local)
    mount_cidata
    load_lima_env
    step set_timezone
    step set_up_user
    step make_host_key
    step mount_shares
    ;;
  boot)
    mount_cidata
    wait_for_address
    wait_for_disks
    LIMA_CIDATA_MNT=$mnt
    PATH=/usr/local/libexec/colima-boot-bin:$PATH
    export LIMA_CIDATA_MNT PATH
    exec "$mnt/boot.sh"
    ;;
  grow) grow_root ;;
  systemctl)
    shift
    systemctl_for_boot "$@"
    ;;
  # What the init reads from a cidata directory ($COLIMA_INIT_CIDATA), for tests.
  show)
    case ${2:-} in
      nics) nics ;;
      keys) authorized_keys ;;
      shares) shares ;;
      fills-disk) fills_disk "$3" "$4" && echo yes || echo no ;;
      *) die "usage: colima-init show nics|keys|shares|fills-disk DISK PARTITION" ;;
    esac
    ;;
  *) die "usage: colima-init network|local|boot|grow|systemctl|show" ;;
esac
