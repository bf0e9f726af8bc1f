#!/usr/bin/env bash
# Builds a bootable Debian guest disk for colima from Debian packages, without loop devices or
# mounts: mmdebstrap makes the root file system (as root, or in a user namespace otherwise),
# mkfs.ext4 -d turns it into an ext4 image, and a GPT disk gets a GRUB EFI boot loader and that
# root. colima ships this script and runs it with values as arguments, never as code.
#
# Usage: build-image.sh --arch x86_64|aarch64 --runtime docker|containerd|incus|none --suite SUITE
#                       --mirror URI --output DIR [--size-gib N] [--extra-packages "A B"]
#                       [--overlay DIR] [--init colima --guest-init FILE | --init cloud-init]
# --overlay names a directory tree copied into the root file system (programs Debian does not
# package); it may still be filling while Debian's packages install: the copy waits until
# DIR/.ready exists, and fails when DIR/.failed does.
# --init colima boots with colima's own init (FILE, templates/image/guest-init.sh) in place of
# cloud-init: it answers Lima's cidata in a few seconds where cloud-init takes about 50 s under
# software emulation. --init cloud-init (the default) keeps Debian's cloud-init.
# Writes DIR/disk.qcow2, DIR/packages.tsv (package, version), DIR/kernel-version,
# DIR/vmlinuz, DIR/initrd.img and DIR/cmdline (the kernel's command line). Prints `phase: NAME` lines on stdout as it goes.
set -euo pipefail

die() { printf 'build-image: error: %s\n' "$*" >&2; exit 1; }
phase() { printf 'phase: %s\n' "$*"; }

# colima's init in place of cloud-init: the program, its three units, one host key made per VM
# at its first boot, and none of the timers and waits that a VM started for containers does not
# need (apt's daily runs, man-db, e2scrub and its reaping of LVM snapshots at every boot, 3-11 s
# of CPU under software emulation, fstrim, networkd's wait for every link).
install_colima_init() {
  local root=$1
  install -D -m 0755 "$COLIMA_IMAGE_GUEST_INIT" "$root/usr/local/libexec/colima-init"
  # First on the PATH of Lima's boot scripts: skips a daemon-reload that would change nothing.
  mkdir -p "$root/usr/local/libexec/colima-boot-bin"
  printf '#!/bin/sh\nexec /usr/local/libexec/colima-init systemctl "$@"\n' \
    >"$root/usr/local/libexec/colima-boot-bin/systemctl"
  chmod 0755 "$root/usr/local/libexec/colima-boot-bin/systemctl"
  cat >"$root/etc/systemd/system/colima-network.service" <<'UNIT'
[Unit]
Description=colima guest init: the network of Lima's cidata
DefaultDependencies=no
After=local-fs.target systemd-remount-fs.service systemd-udev-trigger.service
Before=sysinit.target network-pre.target systemd-networkd.service
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/libexec/colima-init network
StandardOutput=journal+console

[Install]
WantedBy=sysinit.target
UNIT
  cat >"$root/etc/systemd/system/colima-init.service" <<'UNIT'
[Unit]
Description=colima guest init (Lima's cidata: user, ssh key, mounts)
DefaultDependencies=no
After=local-fs.target systemd-remount-fs.service colima-network.service
Before=sysinit.target ssh.service systemd-user-sessions.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/libexec/colima-init local
StandardOutput=journal+console

[Install]
WantedBy=sysinit.target
UNIT
  cat >"$root/etc/systemd/system/colima-boot.service" <<'UNIT'
[Unit]
Description=colima guest boot (Lima's boot scripts, guest agent and provisioning)
Requires=colima-init.service
After=colima-init.service network.target ssh.service systemd-logind.service systemd-user-sessions.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/libexec/colima-init boot
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
  cat >"$root/etc/systemd/system/colima-grow-root.service" <<'UNIT'
[Unit]
Description=colima: grow the root file system to its disk
DefaultDependencies=no
After=local-fs.target
Before=shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
ExecStart=/usr/local/libexec/colima-init grow

[Install]
WantedBy=multi-user.target
UNIT
  mkdir -p "$root/etc/ssh/sshd_config.d"
  printf 'HostKey /etc/ssh/ssh_host_ed25519_key\n' >"$root/etc/ssh/sshd_config.d/10-colima-host-key.conf"
  rm -f "$root"/etc/ssh/ssh_host_*
  # What Lima's boot scripts would otherwise write at the first boot and apply with a
  # daemon-reload and a restart of systemd-resolved (about 4 s under software emulation):
  # mDNS for resolved (06-enable-mdns-on-systemd.sh skips when the file is as it writes it),
  # the sysctl settings (20-rootless-base.sh), applied by systemd-sysctl at boot instead.
  mkdir -p "$root/etc/systemd/resolved.conf.d" "$root/etc/sysctl.d"
  printf '[Resolve]\nMulticastDNS=yes\n\n' >"$root/etc/systemd/resolved.conf.d/00-lima-enable-mdns.conf"
  printf '%s\n' -kernel.unprivileged_userns_clone=1 'net.ipv4.ping_group_range = 0 2147483647' \
    net.ipv4.ip_unprivileged_port_start=0 >"$root/etc/sysctl.d/99-lima.conf"
  chroot "$root" systemctl enable colima-network.service colima-init.service colima-boot.service \
    colima-grow-root.service >/dev/null
  local unit
  for unit in apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer fstrim.timer \
    dpkg-db-backup.timer systemd-networkd-wait-online.service e2scrub_reap.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
}

# The essential hook: runs once the essential packages are in, before the others install.
# - apt asks no debconf questions ahead (dpkg-preconfigure: seconds of perl, minutes under
#   qemu-user for a foreign architecture); the customize hook removes the setting again.
# - update-initramfs is diverted to a no-op while packages install (the kernel's install and
#   the trigger of later packages would each make an initrd: minutes under qemu-user); the
#   customize hook puts it back and makes colima's own initrd instead (make_initrd). Should a
#   package in the guest run it later, Debian's initrd holds only the modules of MODULES=list,
#   not "most" (hundreds of drivers).
essential() {
  local root=$1
  printf '#clear DPkg::Pre-Install-Pkgs;\n' >"$root/etc/apt/apt.conf.d/99colima-build"
  chroot "$root" dpkg-divert --quiet --local --rename --divert /usr/sbin/update-initramfs.colima \
    --add /usr/sbin/update-initramfs
  printf '#!/bin/sh\nexit 0\n' >"$root/usr/sbin/update-initramfs"
  chmod 0755 "$root/usr/sbin/update-initramfs"
  mkdir -p "$root/etc/initramfs-tools/conf.d" "$root/usr/share/initramfs-tools/modules.d"
  printf 'MODULES=list\n' >"$root/etc/initramfs-tools/conf.d/colima"
  printf '%s\n' virtio_pci virtio_blk ext4 crc32c_generic virtio_scsi ahci sr_mod virtio_net \
    >"$root/usr/share/initramfs-tools/modules.d/colima"
}

# colima's initrd, in place of Debian's initramfs-tools one: busybox, the drivers of a Lima VM's
# boot disk and root file system (and of the CD-ROM and NIC its init looks for next), and an
# init that loads them, mounts the root the kernel's command line names (root=LABEL=... or a
# device) and hands over to systemd. Debian's initrd started udev and waited for it to settle
# before mounting the root: 4-5 s of every boot under software emulation; udev's coldplug runs
# once, in the real root. A root that never appears powers the VM off after 60 s with the
# reason on the console (serial.log), instead of leaving Lima to wait out its timeout.
make_initrd() {
  local root=$1 kernel=$2 out=$3 tree=$1/tmp/colima-initrd module path name
  rm -rf "$tree"
  mkdir -p "$tree/bin" "$tree/dev" "$tree/proc" "$tree/sys" "$tree/root" "$tree/modules"
  cp "$root/bin/busybox" "$tree/bin/busybox"
  : >"$tree/modules/order"
  # Each module with the modules it needs before it, in order, once, unpacked (the kernel
  # loads an unpacked module without asking for its decompressor).
  for module in virtio_pci virtio_blk crc32c_generic ext4 virtio_scsi ahci sr_mod virtio_net; do
    chroot "$root" modprobe --set-version "$kernel" --show-depends "$module" ||
      die "no module '$module' for kernel $kernel"
  done | while read -r kind path _; do
    [ "$kind" = insmod ] || continue
    name=${path##*/}
    name=${name%%.ko*}
    grep -qxF "$name" "$tree/modules/order" && continue
    case $path in
      *.ko) cp "$root$path" "$tree/modules/$name.ko" ;;
      *.ko.xz) chroot "$root" /bin/busybox unxz -c "$path" >"$tree/modules/$name.ko" ;;
      *.ko.gz) chroot "$root" /bin/busybox gunzip -c "$path" >"$tree/modules/$name.ko" ;;
      *) die "cannot unpack the module '$path'" ;;
    esac || die "cannot unpack the module '$path'"
    printf '%s\n' "$name" >>"$tree/modules/order"
  done
  [ -s "$tree/modules/order" ] || die "no modules for the initrd"
  cat >"$tree/init" <<'INIT'
#!/bin/busybox sh
# colima's initrd init (templates/image/build-image.sh, make_initrd).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# A module the CPU cannot use (crc32c-intel without SSE 4.2) is not an error.
while read -r module; do
  insmod "/modules/$module.ko" 2>/dev/null || echo "colima-initrd: module $module not loaded"
done </modules/order
spec="" mode=ro fstype="" init=/sbin/init
for arg in $(cat /proc/cmdline); do
  case $arg in
    root=*) spec=${arg#root=} ;;
    rootfstype=*) fstype=${arg#rootfstype=} ;;
    rw) mode=rw ;;
    ro) mode=ro ;;
    init=*) init=${arg#init=} ;;
  esac
done
tries=0
until device=$(findfs "$spec" 2>/dev/null) || { [ -b "$spec" ] && device=$spec; }; do
  tries=$((tries + 1))
  if [ "$tries" -gt 1200 ]; then
    echo "colima-initrd: error: no root file system '$spec' after 60 s; powering off"
    poweroff -f
  fi
  sleep 0.05
done
if ! mount ${fstype:+-t "$fstype"} -o "$mode" "$device" /root; then
  echo "colima-initrd: error: cannot mount the root file system '$spec' ($device); powering off"
  poweroff -f
fi
umount /proc /sys
mount --move /dev /root/dev
exec switch_root /root "$init"
INIT
  chmod 0755 "$tree/init"
  chroot "$root" /bin/busybox sh -c 'cd /tmp/colima-initrd && find . | sort | cpio -o -H newc' \
    >"$root$out" 2>/dev/null || die "cannot make the initrd"
  rm -rf "$tree"
}

# The customize hook: runs inside mmdebstrap's namespace (as root there) with the root file
# system at $1; values come from the COLIMA_IMAGE_* environment.
customize() {
  local root=$1 work=$COLIMA_IMAGE_WORK
  rm -f "$root/etc/apt/apt.conf.d/99colima-build"
  printf 'LABEL=cloudimg-rootfs / ext4 defaults,discard,errors=remount-ro 0 1\n' >"$root/etc/fstab"
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  echo localhost >"$root/etc/hostname"
  if [ "$COLIMA_IMAGE_INIT" = colima ]; then
    install_colima_init "$root"
  else
    mkdir -p "$root/etc/cloud/cloud.cfg.d"
    cat >"$root/etc/cloud/cloud.cfg.d/90-colima.cfg" <<'CFG'
# colima guest: Lima's NoCloud cidata is the only data source; networkd renders the network.
datasource_list: [NoCloud, None]
system_info:
  network:
    renderers: [networkd]
CFG
  fi
  chroot "$root" systemctl enable systemd-networkd.service systemd-resolved.service ssh.service >/dev/null 2>&1 ||
    chroot "$root" systemctl enable systemd-networkd.service ssh.service
  ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
  if [ -n "${COLIMA_IMAGE_OVERLAY:-}" ]; then
    local overlay=$COLIMA_IMAGE_OVERLAY
    until [ -e "$overlay/.ready" ]; do
      [ ! -e "$overlay/.failed" ] || die "the programs for the image were not built"
      sleep 1
    done
    tar -C "$overlay" --exclude=./.ready -cf - . | tar -C "$root" --no-same-owner -xf -
  fi
  # colima starts the engine after every boot, once the container data disk is in place.
  case "$COLIMA_IMAGE_RUNTIME" in
    docker) chroot "$root" systemctl disable docker.service docker.socket containerd.service >/dev/null 2>&1 ;;
    containerd) chroot "$root" systemctl disable containerd.service >/dev/null 2>&1 ;;
    incus) chroot "$root" systemctl disable incus.service incus.socket incus-startup.service \
      incus-user.service incus-user.socket >/dev/null 2>&1 ;;
  esac
  chroot "$root" dpkg-query -W -f '${Package}\t${Version}\n' >"$work/packages.tsv"
  local kernel
  kernel=$(cd "$root/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V | tail -1)
  [ -n "$kernel" ] || die "no kernel in the root file system"
  rm -f "$root/usr/sbin/update-initramfs"
  chroot "$root" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
  make_initrd "$root" "$kernel" /boot/colima-initrd.img
  echo "$kernel" >"$work/kernel-version"
  cp "$root/boot/vmlinuz-$kernel" "$work/vmlinuz"
  cp "$root/boot/colima-initrd.img" "$work/initrd.img"
  chmod 0644 "$work/vmlinuz" "$work/initrd.img"
  local console=ttyS0 efi=BOOTX64.EFI format=x86_64-efi
  if [ "$COLIMA_IMAGE_ARCH" = aarch64 ]; then
    console=ttyAMA0 efi=BOOTAA64.EFI format=arm64-efi
  fi
  # The same command line for GRUB and for a direct kernel boot (colima boots x86_64 guests
  # with the kernel and initrd beside the disk, without firmware or boot loader).
  local cmdline="root=LABEL=cloudimg-rootfs ro console=$console net.ifnames=0"
  printf '%s\n' "$cmdline" >"$work/cmdline"
  cat >"$root/tmp/grub.cfg" <<GRUB
set timeout=0
insmod part_gpt
insmod ext2
search --no-floppy --label cloudimg-rootfs --set root
linux /boot/vmlinuz-$kernel $cmdline
initrd /boot/colima-initrd.img
boot
GRUB
  if [ "$COLIMA_IMAGE_ARCH" = aarch64 ]; then
    chroot "$root" grub-mkstandalone -O "$format" -o "/tmp/$efi" "boot/grub/grub.cfg=/tmp/grub.cfg"
    cp "$root/tmp/$efi" "$work/$efi"
  else
    grub-mkstandalone -O "$format" -o "$work/$efi" "boot/grub/grub.cfg=$root/tmp/grub.cfg"
  fi
  rm -f "$root/tmp/grub.cfg" "$root/tmp/$efi"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  # /etc and /var are up to date with /usr: no ldconfig, journal catalog or hwdb rebuild at the
  # first boot (ConditionNeedsUpdate compares /usr's time with these files').
  touch "$root/etc/.updated" "$root/var/.updated"
  phase "root filesystem"
  local root_mib=$((COLIMA_IMAGE_SIZE_MIB - 66))
  # mmdebstrap has /proc, /sys and /dev mounted in the root now; a plain bind mount of the root
  # shows the root file system alone.
  local stage="$work/stage"
  mkdir -p "$stage"
  mount --bind "$root" "$stage"
  mkfs.ext4 -q -L cloudimg-rootfs -d "$stage" "$work/root.img" "${root_mib}M" || {
    umount "$stage"
    die "mkfs.ext4 failed"
  }
  umount "$stage"
  rmdir "$stage"
  chmod 0666 "$work"/*
}

case "${1:-}" in
  --essential) essential "$2"; exit 0 ;;
  --customize) customize "$2"; exit 0 ;;
esac

arch="" runtime="" suite="" mirror="" output="" size_gib=4 extra="" overlay="" init=cloud-init
guest_init=""
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --suite) suite=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    --size-gib) size_gib=$2; shift 2 ;;
    --extra-packages) extra=$2; shift 2 ;;
    --overlay) overlay=$2; shift 2 ;;
    --init) init=$2; shift 2 ;;
    --guest-init) guest_init=$2; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
case "$arch" in
  x86_64) debian_arch=amd64 ;;
  aarch64) debian_arch=arm64 ;;
  *) die "invalid --arch '$arch' (valid: x86_64, aarch64)" ;;
esac
case "$runtime" in docker | containerd | incus | none) ;; *) die "invalid --runtime '$runtime'" ;; esac
[[ "$suite" =~ ^[a-z]+$ ]] || die "invalid --suite '$suite'"
[ -n "$mirror" ] || die "--mirror is required"
[ -d "$output" ] || die "--output '$output' is not a directory"
[[ "$size_gib" =~ ^[0-9]+$ ]] && [ "$size_gib" -ge 2 ] || die "invalid --size-gib '$size_gib'"
[ -z "$overlay" ] || [ -d "$overlay" ] || die "--overlay '$overlay' is not a directory"
case "$init" in
  colima) [ -f "$guest_init" ] || die "--init colima needs --guest-init FILE (templates/image/guest-init.sh)" ;;
  cloud-init) ;;
  *) die "invalid --init '$init' (valid: colima, cloud-init)" ;;
esac

for tool in mmdebstrap sfdisk mkfs.ext4 mkfs.vfat mcopy mmd qemu-img; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed (scripts/setup.sh installs it)"
done
[ "$arch" = aarch64 ] || command -v grub-mkstandalone >/dev/null ||
  die "'grub-mkstandalone' is not installed (package grub-efi-amd64-bin)"
mode=root
if [ "$(id -u)" -ne 0 ]; then
  mode=unshare
  command -v newuidmap >/dev/null || die "not root and 'newuidmap' is missing (package uidmap)"
  grep -q "^$(id -un):" /etc/subuid ||
    die "not root and no subordinate uid range for '$(id -un)' in /etc/subuid"
  unshare --user --map-root-user true 2>/dev/null ||
    die "not root and user namespaces are not available (unshare failed)"
fi
if [ "$arch" = aarch64 ] && [ "$(uname -m)" != aarch64 ] &&
  [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  die "building an aarch64 image needs qemu-aarch64 registered with binfmt_misc (scripts/setup.sh)"
fi

packages=(systemd-sysv systemd-resolved udev dbus cloud-guest-utils openssh-server
  sudo bash sshfs fuse3 iptables rsync iproute2 netbase procps ca-certificates kmod gzip
  e2fsprogs fdisk util-linux apt zstd libpam-systemd dbus-user-session busybox-static)
[ "$init" = colima ] || packages+=(cloud-init)
if [ "$arch" = aarch64 ]; then
  packages+=(linux-image-arm64 grub-efi-arm64-bin)
else
  packages+=(linux-image-amd64)
fi
case "$runtime" in
  docker) packages+=(docker.io docker-cli containerd runc docker-buildx tini qemu-user-static
    containernetworking-plugins) ;;
  containerd) packages+=(containerd runc containernetworking-plugins qemu-user-static) ;;
  # The container daemon alone (incus would add QEMU for VMs, which need KVM in the guest); the
  # bridge's DHCP and DNS (a recommendation, which mmdebstrap leaves out); the pool's file system.
  incus) packages+=(incus-base incus-client dnsmasq-base btrfs-progs) ;;
esac
# shellcheck disable=SC2206
[ -n "$extra" ] && packages+=($extra)

# The work area lies outside the user's home, which the subordinate uid of an unshared
# mmdebstrap may be unable to enter.
work=$(mktemp -d "${COLIMA_IMAGE_TMPDIR:-/var/tmp}/colima-image-XXXXXX")
stager=""
trap '[ -z "$stager" ] || kill "$stager" 2>/dev/null || true; rm -rf "$work"' EXIT
# In unshare mode mmdebstrap and the hook run as a subordinate uid: give them a directory of
# their own that both sides may write.
shared="$work/shared"
mkdir -m 0777 "$shared" "$work/out"
chmod 0777 "$work/out"
chmod 0711 "$work"
size_mib=$((size_gib * 1024))
export COLIMA_IMAGE_WORK=$work/out COLIMA_IMAGE_ARCH=$arch COLIMA_IMAGE_RUNTIME=$runtime
# The overlay's own directory may lie where the subordinate uid cannot enter: copy it into the
# work area once it is complete, alongside the bootstrap.
staged_overlay=""
if [ -n "$overlay" ]; then
  staged_overlay="$work/overlay"
  mkdir -m 0755 "$staged_overlay"
  (
    until [ -e "$overlay/.ready" ]; do
      if [ -e "$overlay/.failed" ]; then
        : >"$staged_overlay/.failed"
        exit 0
      fi
      sleep 1
    done
    tar -C "$overlay" --exclude=./.ready -cf - . | tar -C "$staged_overlay" -xf - &&
      chmod -R a+rX "$staged_overlay" && : >"$staged_overlay/.ready" ||
      : >"$staged_overlay/.failed"
  ) </dev/null >/dev/null 2>&1 &
  stager=$!
fi
export COLIMA_IMAGE_SIZE_MIB=$size_mib COLIMA_IMAGE_OVERLAY=$staged_overlay TMPDIR=$shared
export COLIMA_IMAGE_INIT=$init COLIMA_IMAGE_GUEST_INIT=""
if [ "$init" = colima ]; then
  install -m 0644 "$guest_init" "$work/guest-init.sh"
  COLIMA_IMAGE_GUEST_INIT=$work/guest-init.sh
fi
# The hook runs this script again, as a subordinate uid without root: from a copy it can read.
install -m 0755 "$0" "$work/hook.sh"
export COLIMA_IMAGE_SCRIPT=$work/hook.sh

phase "bootstrap"
include=$(IFS=,; echo "${packages[*]}")
# A VM for containers needs no documentation, manual pages or translations (fewer files to
# unpack, under qemu-user for a foreign architecture); the licences stay. The setting stays in
# the image (/etc/dpkg/dpkg.cfg.d/99mmdebstrap), as in Debian's and Ubuntu's minimal images.
mmdebstrap --mode="$mode" --variant=apt --architectures="$debian_arch" --components=main \
  --include="$include" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --essential-hook='bash "$COLIMA_IMAGE_SCRIPT" --essential "$1"' \
  --customize-hook='bash "$COLIMA_IMAGE_SCRIPT" --customize "$1"' \
  "$suite" /dev/null "$mirror" >&2 || die "mmdebstrap failed"
[ -f "$work/out/root.img" ] || die "the customize step made no root file system"
for file in "$work/out"/*; do
  cp --sparse=always "$file" "$work/" && rm -f "$file"
done

phase "boot loader"
efi=BOOTX64.EFI
[ "$arch" = aarch64 ] && efi=BOOTAA64.EFI
mkfs.vfat -C -n ESP "$work/esp.img" $((64 * 1024)) >/dev/null
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/esp.img" "$work/$efi" "::/EFI/BOOT/$efi"

phase "disk"
truncate -s "${size_mib}M" "$work/disk.raw"
sfdisk --quiet "$work/disk.raw" <<PARTITIONS
label: gpt
start=1MiB, size=64MiB, type=uefi, name=esp
start=65MiB, type=linux, name=cloudimg-rootfs
PARTITIONS
dd if="$work/esp.img" of="$work/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.img" of="$work/disk.raw" bs=1M seek=65 conv=notrunc,sparse status=none

phase "convert"
qemu-img convert -f raw -O qcow2 "$work/disk.raw" "$output/disk.qcow2"
mv "$work/packages.tsv" "$work/kernel-version" "$work/vmlinuz" "$work/initrd.img" "$work/cmdline" \
  "$output/"
phase "done"
