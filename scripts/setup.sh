#!/usr/bin/env bash
# Prepares a Debian 12 machine to build, run and test colima. Idempotent: a second run only
# checks. Run as root (or through sudo). Environment:
#   COLIMA_DEV_USER       the ordinary user created for running VMs (default: colima)
#   COLIMA_DEV_CACHE      downloads and build caches, outside the repository
#                         (default: /var/cache/colima-dev)
#   COLIMA_LIMA_PREFIX    where limactl and its share/lima go (default: /usr/local)
#   COLIMA_DEBIAN_MIRROR  the Debian mirror (default: the machine's own apt source)
#   LIMA_VERSION          the Lima release built from the Go module proxy (default: v2.2.0)
#   GOPROXY               the Go module proxy (default: `go env GOPROXY`)
set -euo pipefail

LIMA_VERSION=${LIMA_VERSION:-v2.2.0}
LIMA_MODULE=github.com/lima-vm/lima/v2
user=${COLIMA_DEV_USER:-colima}
cache=${COLIMA_DEV_CACHE:-/var/cache/colima-dev}
prefix=${COLIMA_LIMA_PREFIX:-/usr/local}

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "run as root, or install sudo"
  exec sudo -E bash "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive

# The URI of the machine's Debian mirror, from its apt sources.
debian_mirror() {
  if [ -n "${COLIMA_DEBIAN_MIRROR:-}" ]; then
    echo "$COLIMA_DEBIAN_MIRROR"
    return
  fi
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || die "cannot find the Debian mirror in the apt sources; set COLIMA_DEBIAN_MIRROR"
  echo "$uri"
}

apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    apt-get update -qq -o DPkg::Lock::Timeout=600 || die "apt-get update failed"
    apt_updated=1
  fi
}

# Installs the packages that are missing; extra apt-get arguments come first.
apt_install() {
  local options=() missing=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  apt_update
  say "installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${options[@]}" \
    "${missing[@]}" >/dev/null || die "cannot install: ${missing[*]}"
}

install_packages() {
  apt_install -- cmake ninja-build g++ make pkg-config git libcli11-dev libyaml-cpp-dev \
    libfmt-dev libspdlog-dev nlohmann-json3-dev libgtest-dev libgmock-dev clang-format clang-14 \
    libclang-rt-14-dev \
    ovmf qemu-efi-aarch64 openssh-client openssh-sftp-server mmdebstrap uidmap \
    binfmt-support e2fsprogs dosfstools mtools fdisk grub-efi-amd64-bin xz-utils zstd curl \
    ca-certificates sudo util-linux procps iproute2 busybox-static arch-test shellcheck
  local list=/etc/apt/sources.list.d/colima-bookworm-backports.list
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb $(debian_mirror) bookworm-backports main" >"$list"
    apt_updated=0
  fi
  local qemu_major=0
  if command -v qemu-system-x86_64 >/dev/null; then
    qemu_major=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
  fi
  if [ "${qemu_major:-0}" -lt 10 ] || ! command -v qemu-aarch64-static >/dev/null; then
    apt_update
    say "installing QEMU from bookworm-backports"
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 \
      -t bookworm-backports qemu-system-x86 qemu-system-arm qemu-utils qemu-user-static \
      >/dev/null || die "cannot install QEMU from bookworm-backports"
  fi
  qemu_major=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
  [ "${qemu_major:-0}" -ge 10 ] || die "QEMU 10 is needed, found $(qemu-system-x86_64 --version | head -1)"
  # The incus client (6.0, as in Debian 13) for the incus runtime's host remote.
  apt_install -t bookworm-backports -- incus-client
}

find_go() {
  local go
  for go in /usr/local/go/bin/go "$(command -v go || true)"; do
    if [ -n "$go" ] && [ -x "$go" ]; then
      echo "$go"
      return
    fi
  done
  die "Go is not installed (lima needs Go 1.24 or newer to build)"
}

# limactl refuses to run as root, even for --version: ask as the ordinary user.
limactl_version() {
  runuser -u "$user" -- "$prefix/bin/limactl" --version 2>/dev/null || true
}

build_lima() {
  local share="$prefix/share/lima"
  if [ -x "$prefix/bin/limactl" ] &&
    limactl_version | grep -q "version ${LIMA_VERSION#v}\$" &&
    [ -e "$share/lima-guestagent.Linux-x86_64.gz" ] && [ -e "$share/lima-guestagent.Linux-aarch64.gz" ] &&
    [ -f "$share/templates/default.yaml" ]; then
    return 0
  fi
  local go
  go=$(find_go)
  export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-mod=mod GOTOOLCHAIN=local
  export GOPROXY="${GOPROXY:-$("$go" env GOPROXY)}"
  mkdir -p "$GOMODCACHE" "$GOCACHE"
  say "downloading $LIMA_MODULE@$LIMA_VERSION"
  local dir
  dir=$("$go" mod download -json "$LIMA_MODULE@$LIMA_VERSION" 2>/dev/null |
    sed -n 's/.*"Dir": "\(.*\)",/\1/p')
  [ -d "$dir" ] || die "cannot download $LIMA_MODULE@$LIMA_VERSION from the Go module proxy"
  local out="$cache/lima-$LIMA_VERSION"
  mkdir -p "$out"
  local ldflags="-s -w -X $LIMA_MODULE/pkg/version.Version=$LIMA_VERSION"
  say "building limactl $LIMA_VERSION (about 2 minutes)"
  (cd "$dir" && CGO_ENABLED=1 "$go" build -buildvcs=false -ldflags "$ldflags" \
    -o "$out/limactl" ./cmd/limactl) 2>"$out/build.log" ||
    die "building limactl failed: $(tail -5 "$out/build.log")"
  local arch goarch
  for arch in x86_64 aarch64; do
    goarch=amd64
    [ "$arch" = aarch64 ] && goarch=arm64
    say "building the $arch guest agent"
    (cd "$dir" && CGO_ENABLED=0 GOOS=linux GOARCH=$goarch "$go" build -buildvcs=false \
      -ldflags "$ldflags" -o "$out/lima-guestagent.Linux-$arch" ./cmd/lima-guestagent) \
      2>"$out/build.log" || die "building the $arch guest agent failed: $(tail -5 "$out/build.log")"
  done
  mkdir -p "$prefix/bin" "$share"
  install -m 0755 "$out/limactl" "$prefix/bin/limactl"
  install -m 0755 "$dir/cmd/lima" "$prefix/bin/lima"
  for arch in x86_64 aarch64; do
    gzip -9 -c "$out/lima-guestagent.Linux-$arch" >"$share/lima-guestagent.Linux-$arch.gz"
    rm -f "$share/lima-guestagent.Linux-$arch"
  done
  rm -rf "$share/templates"
  cp -r "$dir/templates" "$share/templates"
  chmod -R u+w,go+rX "$share"
  limactl_version | grep -q "version ${LIMA_VERSION#v}\$" ||
    die "limactl reports '$(limactl_version)', not $LIMA_VERSION"
}

create_user() {
  if ! id "$user" >/dev/null 2>&1; then
    say "creating the user '$user' for running VMs (limactl refuses root)"
    useradd --create-home --shell /bin/bash "$user" || die "cannot create the user '$user'"
  fi
  local range_start=$((100000 + $(id -u "$user") * 65536))
  grep -q "^$user:" /etc/subuid || echo "$user:$range_start:65536" >>/etc/subuid
  grep -q "^$user:" /etc/subgid || echo "$user:$range_start:65536" >>/etc/subgid
  if getent group kvm >/dev/null && ! id -nG "$user" | grep -qw kvm; then
    usermod -aG kvm "$user"
  fi
}

# Lets foreign-architecture root filesystems run through qemu-user (aarch64 image builds).
register_binfmt() {
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || {
      say "warning: cannot mount binfmt_misc: aarch64 guest images cannot be built here"
      return 0
    }
  fi
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && [ -f /usr/lib/binfmt.d/qemu-aarch64.conf ]; then
    grep -v '^#' /usr/lib/binfmt.d/qemu-aarch64.conf | grep . >/proc/sys/fs/binfmt_misc/register ||
      say "warning: cannot register qemu-aarch64 with binfmt_misc"
  fi
}

# Fetches a package of a Debian suite and architecture without touching the machine's apt
# sources, and unpacks it into a directory: fetch_package SUITE ARCH PACKAGE DIR.
fetch_package() {
  local suite=$1 arch=$2 package=$3 into=$4
  local root="$cache/apt-$suite-$arch"
  mkdir -p "$root/lists/partial" "$root/archives/partial" "$into"
  echo "deb $(debian_mirror) $suite main" >"$root/sources.list"
  local options=(-o Dir::Etc::SourceList="$root/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$root/lists" -o Dir::Cache::Archives="$root/archives"
    -o APT::Architecture="$arch" -o APT::Architectures="$arch" -o Debug::NoLocking=1
    -o APT::Sandbox::User=root -o Dir::State::status=/dev/null)
  if ! ls "$root/lists/"*Packages* >/dev/null 2>&1; then
    apt-get "${options[@]}" update -qq >/dev/null || die "cannot read $suite's package lists ($arch)"
  fi
  (cd "$root/archives" && apt-get "${options[@]}" download "$package:$arch" >/dev/null) ||
    die "cannot download $suite's $package ($arch)"
  local debs=("$root/archives/${package}_"*"_$arch.deb")
  dpkg-deb -x "${debs[-1]}" "$into"
}

fetch_trixie_package() {
  fetch_package trixie amd64 "$1" "$2"
}

# Installs a docker CLI plugin from its Debian 13 package unless `docker SUBCOMMAND` works:
# install_cli_plugin SUBCOMMAND PACKAGE.
install_cli_plugin() {
  local subcommand=$1 package=$2
  docker "$subcommand" version >/dev/null 2>&1 && return 0
  say "installing the docker $subcommand plugin from Debian 13"
  fetch_trixie_package "$package" "$cache/unpacked/$package"
  mkdir -p /usr/local/lib/docker/cli-plugins
  install -m 0755 "$cache/unpacked/$package/usr/libexec/docker/cli-plugins/$package" \
    "/usr/local/lib/docker/cli-plugins/$package"
}

install_clients() {
  if ! command -v docker >/dev/null; then
    say "installing the docker CLI from Debian 13"
    fetch_trixie_package docker-cli "$cache/unpacked/docker-cli"
    install -m 0755 "$cache/unpacked/docker-cli/usr/bin/docker" /usr/local/bin/docker
  fi
  install_cli_plugin compose docker-compose
  install_cli_plugin buildx docker-buildx
  # kubectl supports servers within one minor version of its own: the default Kubernetes
  # (k3s v1.35, or v1.35.x built by colima) needs a 1.34 to 1.36 client, which Debian 13 (1.32)
  # and some machines' own kubectl do not have; Debian's unstable suite does (1.36).
  local minor
  # No kubectl there yet (a fresh machine) reads as minor 0; under pipefail the missing program
  # must not end the setup.
  minor=$({ /usr/local/bin/kubectl version --client -o json 2>/dev/null || true; } |
    sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n 1)
  if [ "${minor:-0}" -lt 34 ] || [ "${minor:-0}" -gt 36 ]; then
    say "installing kubectl from Debian unstable (a client for Kubernetes 1.35)"
    rm -rf "$cache/unpacked/kubectl-sid"
    fetch_package sid amd64 kubectl "$cache/unpacked/kubectl-sid"
    install -m 0755 "$cache/unpacked/kubectl-sid/usr/bin/kubectl" /usr/local/bin/kubectl
  fi
}

# Test fixtures: an aarch64 busybox for the foreign-architecture container tests.
install_fixtures() {
  local fixtures=$prefix/share/colima-dev
  if [ ! -x "$fixtures/busybox.aarch64" ]; then
    say "fetching an aarch64 busybox for the tests"
    fetch_package bookworm arm64 busybox-static "$cache/unpacked/busybox-arm64"
    install -D -m 0755 "$cache/unpacked/busybox-arm64/bin/busybox" "$fixtures/busybox.aarch64"
  fi
}

main() {
  mkdir -p "$cache"
  install_packages
  create_user
  build_lima
  register_binfmt
  install_clients
  install_fixtures
  say "ready: $(qemu-system-x86_64 --version | head -1)"
  say "ready: $(runuser -u "$user" -- "$prefix/bin/limactl" --version)"
  say "ready: $(docker --version); $(docker compose version 2>&1 | head -1); buildx $(docker buildx version 2>&1 | head -1); kubectl $(/usr/local/bin/kubectl version --client 2>/dev/null | head -1)"
  say "ready: VMs run as the user '$user'"
}

main "$@"
