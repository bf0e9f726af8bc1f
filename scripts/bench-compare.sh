#!/usr/bin/env bash
# Side-by-side benchmark of this repository's colima against upstream Colima v0.10.3, on the
# same limactl and QEMU, each tool in homes of its own (HOME, COLIMA_HOME, LIMA_HOME, TMPDIR),
# alternating run by run (ours, upstream, ours, upstream...). Per round and tool: cold start
# (create until `docker info` answers through the tool's docker context), `status --json` and
# `list --json` with 1 profile on the running VM, guest memory in use (`free -m` over the
# tool's ssh) and host RSS of QEMU and of the other processes the tool left running, `list
# --json` with 5 profiles (1 running + 4 made with `limactl create`, never booted), stop, warm
# start (stopped until `docker info` answers), delete --data. Then the floor: a bare `limactl
# start` of the Lima document our colima rendered, and the engine started with one systemctl
# call. Prints medians, ratios ours/upstream, colima's start stages and upstream's log lines
# as Markdown, with the date and the machine, for docs/performance.md. Writes nothing into the
# repository: upstream's build, the images and Go's caches go to the cache directory, the VMs
# and their homes to a work directory removed at the end.
#
# Upstream Colima is built from its Go module (never `go install`, which the proxy refuses):
# `go mod download github.com/abiosoft/colima@v0.10.3`, then `go build ./cmd/colima` in the
# module's own tree with its version in the ldflags; Go's proxy is `go env GOPROXY` (or
# $GOPROXY). Its guest is a Debian 13 docker image with cloud-init built by
# templates/image/build-image.sh, with /usr/bin/dockerd linked to Debian's /usr/sbin/dockerd
# (upstream's systemd drop-in runs /usr/bin/dockerd), started with --disk-image
# --force-disk-image. Ours (a copy of the binary, taken at the start) runs on its own image
# from its cache, built first when missing or made by another recipe than this tree's.
#
# Usage: scripts/bench-compare.sh [options]   (as an ordinary user: limactl refuses root)
#   --rounds N         rounds of each tool (default 3)
#   --samples N        runs of status --json and of each list --json per round (default 5)
#   --colima PATH      our colima (default: build/colima of this repository)
#   --cache DIR        upstream's build, its image, Go's caches, our image cache by default
#                      (default: ${XDG_CACHE_HOME:-$HOME/.cache}/colima-bench)
#   --our-cache DIR    our colima's image cache (COLIMA_CACHE_HOME; default: DIR/ours), e.g. an
#                      existing /var/tmp/colima-e2e-cache
#   --upstream-image F a disk image for upstream instead of building one
#   --mirror URI       the Debian mirror for image builds (default: $COLIMA_DEBIAN_MIRROR, else
#                      the host's apt sources, as colima does)
#   --work DIR         where the homes and VMs go (default: a new directory under
#                      ${TMPDIR:-/var/tmp}); keep the path short (Lima's sockets live there)
#   --keep             keep the work directory (logs of every command) at the end
#   --cpus N, --memory GIB   the VMs' size, the same for both tools (default 2 and 2)
#   --no-floor         skip the bare limactl runs
#   --only ours|upstream   measure one tool only (to redo its figures; no ratios then)
#   --vm-lock FILE     wait for flock(FILE) before the first boot, hold it to the end
#   --only-build       build upstream Colima and both images, boot nothing
#   --dry-run          check the tools and print the plan; build and boot nothing
set -euo pipefail

UPSTREAM_MODULE=github.com/abiosoft/colima
UPSTREAM_VERSION=v0.10.3
PROFILE=bench
INSTANCE="colima-$PROFILE"
SUITE=trixie

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '/^# Usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# The whole script is functions, run by the last line: bash reads a script as it goes, so an
# edit of this file during a run (another checkout, a rebase) cannot change the running one.
rounds=3 samples=5 colima="$src/build/colima" cache="" our_cache="" upstream_image=""
mirror="" work="" keep=0 cpus=2 memory=2 floor=1 vm_lock="" mode=run tools="ours upstream"
parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --rounds) rounds=${2:?}; shift 2 ;;
      --samples) samples=${2:?}; shift 2 ;;
      --colima) colima=${2:?}; shift 2 ;;
      --cache) cache=${2:?}; shift 2 ;;
      --our-cache) our_cache=${2:?}; shift 2 ;;
      --upstream-image) upstream_image=${2:?}; shift 2 ;;
      --mirror) mirror=${2:?}; shift 2 ;;
      --work) work=${2:?}; shift 2 ;;
      --keep) keep=1; shift ;;
      --cpus) cpus=${2:?}; shift 2 ;;
      --memory) memory=${2:?}; shift 2 ;;
      --no-floor) floor=0; shift ;;
      --only)
        case "${2:-}" in ours | upstream) tools=$2 ;; *) die "--only takes ours or upstream" ;; esac
        shift 2 ;;
      --vm-lock) vm_lock=${2:?}; shift 2 ;;
      --only-build) mode=build; shift ;;
      --dry-run) mode=dry; shift ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown argument '$1' (see --help)" ;;
    esac
  done
  [[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "invalid --rounds '$rounds'"
  [[ "$samples" =~ ^[1-9][0-9]*$ ]] || die "invalid --samples '$samples'"
  [[ "$cpus" =~ ^[1-9][0-9]*$ ]] || die "invalid --cpus '$cpus'"
  [[ "$memory" =~ ^[1-9][0-9]*$ ]] || die "invalid --memory '$memory'"
  [ "$(id -u)" -ne 0 ] || die "run as an ordinary user (limactl refuses root), e.g.
    runuser -u colima -- env HOME=/home/colima PATH=/usr/local/bin:/usr/bin:/bin bash scripts/bench-compare.sh"

  cache=${cache:-${XDG_CACHE_HOME:-$HOME/.cache}/colima-bench}
  our_cache=${our_cache:-$cache/ours}
  arch=$(uname -m)
  case "$arch" in x86_64 | aarch64) ;; *) die "unsupported host architecture '$arch'" ;; esac
  upstream_dir="$cache/upstream-$UPSTREAM_VERSION"
  upstream_bin="$upstream_dir/colima"
  upstream_image=${upstream_image:-$cache/upstream-image/$SUITE-$arch-docker/disk.qcow2}
  build_image="$src/templates/image/build-image.sh"
}

# --- tools ----------------------------------------------------------------------------------
find_go() {
  local go
  for go in "${COLIMA_GO:-}" "$(command -v go || true)" /usr/local/go/bin/go; do
    if [ -n "$go" ] && [ -x "$go" ]; then
      echo "$go"
      return 0
    fi
  done
  return 1
}
check_tools() {
  local tool
  for tool in limactl docker qemu-img "qemu-system-$arch" awk sort flock; do
    command -v "$tool" >/dev/null || die "'$tool' is not on PATH (scripts/setup.sh installs it)"
  done
  [ -x "$colima" ] || die "no colima binary at '$colima' (bash scripts/build.sh, or --colima PATH)"
  colima=$(cd "$(dirname "$colima")" && pwd)/$(basename "$colima")
  mirror=${mirror:-$(find_mirror || true)}
}

# The Debian mirror, the way colima finds it (src/image/builder.cpp).
find_mirror() {
  if [ -n "${COLIMA_DEBIAN_MIRROR:-}" ]; then
    echo "$COLIMA_DEBIAN_MIRROR"
    return 0
  fi
  local uri=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(sed -n 's/^[[:space:]]*URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
      /etc/apt/sources.list.d/debian.sources | head -n 1)
  fi
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || return 1
  echo "$uri"
}

# --- work directory and cleanup ------------------------------------------------------------
declare -A home bin
tool_path=$PATH
failures=0
make_work() {
  mkdir -p "$cache"
  if [ -n "$work" ]; then
    mkdir -p "$work"
    [ -z "$(ls -A "$work")" ] || die "--work '$work' is not empty"
  else
    work=$(mktemp -d "${TMPDIR:-/var/tmp}/colima-bench-XXXXXX")
  fi
  work=$(cd "$work" && pwd)
  results="$work/results.tsv" stages="$work/stages.tsv"
  : >"$results"
  : >"$stages"
  home[ours]="$work/ours"
  home[upstream]="$work/upstream"
  home[floor]="$work/floor"
  # A copy: a rebuild of build/colima during the run (other work in the same tree) neither
  # breaks nor changes what is measured.
  cp "$colima" "$work/colima"
  "$work/colima" --version >/dev/null 2>&1 || die "'$colima' does not run (being rebuilt?)"
  bin[ours]="$work/colima"
  bin[upstream]=$upstream_bin
}

# Every process a tool starts inherits COLIMA_BENCH_TAG (QEMU, Lima's host agent, ssh...):
# /proc/PID/environ finds what each left running.
tag_of() { printf '%s' "${home[$1]}"; }
# Runs a command in a tool's own environment: nothing from the caller's but PATH, the user's
# name and QEMU overrides.
run_in() {
  local tool=$1 h=${home[$1]}
  shift
  local -a vars=("HOME=$h" "COLIMA_HOME=$h/.colima" "LIMA_HOME=$h/.colima/_lima" "TMPDIR=$h/tmp"
    "PATH=$tool_path" "USER=$(id -un)" "LOGNAME=$(id -un)" "LANG=C.UTF-8" "TERM=dumb"
    "COLIMA_BENCH_TAG=$(tag_of "$tool")")
  [ "$tool" != ours ] || vars+=("COLIMA_CACHE_HOME=$our_cache")
  [ -z "$mirror" ] || vars+=("COLIMA_DEBIAN_MIRROR=$mirror")
  local name
  for name in QEMU_SYSTEM_X86_64 QEMU_SYSTEM_AARCH64 COLIMA_ACCELERATOR COLIMA_IMAGE_TMPDIR; do
    [ -z "${!name:-}" ] || vars+=("$name=${!name}")
  done
  env -i "${vars[@]}" "$@"
}
make_home() {
  local h=${home[$1]}
  mkdir -p "$h/.colima/_lima" "$h/tmp"
}
# Deletes whatever VMs and disks a tool's LIMA_HOME holds, then ends its remaining processes
# (found by their tag, each by its pid).
clean_tool() {
  local tool=$1 name pid
  [ -d "${home[$tool]}/.colima/_lima" ] || return 0
  for name in $(run_in "$tool" limactl list -q 2>/dev/null || true); do
    run_in "$tool" limactl delete --force "$name" >/dev/null 2>&1 || true
  done
  for name in $(run_in "$tool" limactl disk list --json 2>/dev/null |
    sed -n 's/.*"name":"\([^"]*\)".*/\1/p'); do
    run_in "$tool" limactl disk delete --force "$name" >/dev/null 2>&1 || true
  done
  for pid in $(tagged_pids "$tool"); do
    kill "$pid" 2>/dev/null || true
  done
}
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local status=$?
  if [ "$mode" = run ]; then
    clean_tool ours
    clean_tool upstream
    clean_tool floor
  fi
  if [ "$keep" = 1 ]; then
    say "kept the work directory '$work'"
  else
    rm -rf "$work"
  fi
  exit "$status"
}

# --- building: upstream Colima, its image, our image ----------------------------------------
go_env() {
  local go=$1
  shift
  env GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-mod=mod GOTOOLCHAIN=local \
    GOPROXY="${GOPROXY:-$("$go" env GOPROXY)}" "$go" "$@"
}
build_upstream() {
  if [ -x "$upstream_bin" ]; then
    return 0
  fi
  local go json dir revision
  go=$(find_go) || die "Go is not installed (needed to build upstream Colima)"
  say "downloading $UPSTREAM_MODULE@$UPSTREAM_VERSION"
  json=$(go_env "$go" mod download -json "$UPSTREAM_MODULE@$UPSTREAM_VERSION") ||
    die "go mod download $UPSTREAM_MODULE@$UPSTREAM_VERSION failed"
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  revision=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Hash": "\(.*\)",\{0,1\}$/\1/p')
  [ -d "$dir" ] || die "go mod download gave no module directory"
  mkdir -p "$upstream_dir"
  say "building upstream Colima $UPSTREAM_VERSION (a couple of minutes)"
  local ldflags="-X $UPSTREAM_MODULE/config.appVersion=$UPSTREAM_VERSION"
  [ -z "$revision" ] || ldflags+=" -X $UPSTREAM_MODULE/config.revision=$revision"
  (cd "$dir" && go_env "$go" build -buildvcs=false -ldflags "$ldflags" \
    -o "$upstream_bin.new" ./cmd/colima) >"$upstream_dir/build.log" 2>&1 ||
    die "building upstream Colima failed: $(tail -n 5 "$upstream_dir/build.log")"
  mv "$upstream_bin.new" "$upstream_bin"
  # Upstream runs guest commands through Lima's `lima` wrapper.
  if ! command -v lima >/dev/null; then
    mkdir -p "$upstream_dir/bin"
    install -m 0755 "$dir/cmd/lima" "$upstream_dir/bin/lima"
  fi
}
upstream_path() {
  if [ -x "$upstream_dir/bin/lima" ]; then
    printf '%s:%s' "$upstream_dir/bin" "$PATH"
  else
    printf '%s' "$PATH"
  fi
}
build_upstream_image() {
  [ ! -f "$upstream_image" ] || return 0
  [ -n "$mirror" ] || die "no Debian mirror in the host's apt sources: --mirror URI"
  local out overlay
  out=$(dirname "$upstream_image")
  overlay="$cache/upstream-image/overlay"
  rm -rf "$overlay" "$out"
  mkdir -p "$overlay/usr/bin" "$out"
  ln -s /usr/sbin/dockerd "$overlay/usr/bin/dockerd"
  chmod 0755 "$overlay" "$overlay/usr" "$overlay/usr/bin"
  : >"$overlay/.ready"
  local -a args=(--arch "$arch" --runtime docker --suite "$SUITE" --mirror "$mirror"
    --output "$out" --overlay "$overlay")
  # --init is newer than the script's first versions, which always boot with cloud-init.
  if grep -q -- '--init)' "$build_image"; then
    args+=(--init cloud-init)
  fi
  say "building upstream's guest image (Debian $SUITE, docker, cloud-init; a few minutes)"
  PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" bash "$build_image" "${args[@]}" \
    >"$cache/upstream-image/build.log" 2>&1 || {
    rm -rf "$out"
    die "building upstream's image failed: $(tail -n 5 "$cache/upstream-image/build.log")"
  }
}
our_image_cached() {
  run_in ours "${bin[ours]}" image list 2>/dev/null | grep -q "^$SUITE-$arch-docker " || return 1
  # colima rebuilds an image of another recipe at the next start: the FNV-1a 64 of the build
  # scripts it ships (src/image/store.cpp recipe_id; for docker images build-image.sh and
  # guest-init.sh), here of this tree's, which is what a build/colima of this tree ships.
  local want have
  want=$(tree_recipe) || return 0
  have=$(sed -n 's/.*"recipe": *"\([0-9a-f]*\)".*/\1/p' \
    "$our_cache/images/$SUITE-$arch-docker/manifest.json" 2>/dev/null | head -n 1)
  [ -z "$have" ] || [ "$have" = "$want" ]
}
tree_recipe() {
  local file byte hash=1469598103934665603 # the basis colima uses (FNV-1a's, a digit short)
  for file in image/build-image.sh image/guest-init.sh; do
    [ -f "$src/templates/$file" ] || return 1
  done
  while read -r byte; do
    hash=$(((hash ^ byte) * 1099511628211))
  done < <(cat "$src/templates/image/build-image.sh" "$src/templates/image/guest-init.sh" |
    od -An -v -tu1 | tr -s ' ' '\n' | sed '/^$/d')
  printf '%016x\n' "$hash"
}
build_our_image() {
  make_home ours
  our_image_cached && return 0
  say "building our guest image into '$our_cache' (several minutes)"
  run_in ours "${bin[ours]}" image build --runtime docker >"$work/our-image-build.log" 2>&1 ||
    die "building our image failed: $(tail -n 5 "$work/our-image-build.log")"
}

# --- measuring -----------------------------------------------------------------------------
now_ms() { echo $(($(date +%s%N) / 1000000)); }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }
# The medians of a list of numbers on stdin (empty when none).
median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2];
    else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
median_of() { awk -F '\t' -v k="$1" -v t="$2" '$1 == k && $2 == t { print $3 }' "$results" | median; }
fail_step() {
  local tool=$1 what=$2 log=$3
  say "$tool: $what failed; the end of its output:"
  tail -n 15 "$log" >&2 || true
  failures=$((failures + 1))
}
# Polls `docker info` through the tool's docker context until it answers (at most $2 s).
wait_engine() {
  local tool=$1 limit=$2 deadline
  deadline=$(($(date +%s) + limit))
  until run_in "$tool" docker --context "$INSTANCE" info >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}
# start (cold or warm) until the engine answers; keeps the milliseconds in $elapsed.
elapsed=0
timed_start() {
  local tool=$1 log=$2 t0
  shift 2
  t0=$(now_ms)
  run_in "$tool" "${bin[$tool]}" start --profile "$PROFILE" "$@" >"$log" 2>&1 || return 1
  wait_engine "$tool" 180 || { echo "bench: docker info did not answer in 180 s" >>"$log"; return 1; }
  elapsed=$(($(now_ms) - t0))
}
timed() {
  local log=$1 t0
  shift
  t0=$(now_ms)
  "$@" >"$log" 2>&1 || return 1
  elapsed=$(($(now_ms) - t0))
}
# N timed runs of a command; each sample recorded under KEY.
sample() {
  local tool=$1 key=$2 log=$3 i
  shift 3
  for i in $(seq "$samples"); do
    timed "$log" run_in "$tool" "$@" || return 1
    record "$key" "$tool" "$elapsed"
  done
}
# Stage lines of our colima: `colima: TEXT [12.3s]`.
our_stages() {
  local kind=$1 round=$2 log=$3
  sed -n 's/^colima: \(.*\) \[\([0-9.]*\)s\]$/\1\t\2/p' "$log" |
    awk -F '\t' -v k="$kind" -v r="$round" '{ printf "ours\t%s\t%s\t%s\t%d\n", k, r, $1, $2 * 1000 }' \
      >>"$stages"
}
# Upstream's log lines (logrus: time="..." level=info msg="..." [context=...]), as elapsed
# seconds since the command started (logrus stamps whole seconds).
upstream_stages() {
  local kind=$1 round=$2 log=$3 t0_ms=$4 line stamp msg ctx at
  while IFS= read -r line; do
    stamp=$(printf '%s\n' "$line" | sed -n 's/^time="\([^"]*\)".*/\1/p')
    msg=$(printf '%s\n' "$line" | sed -n 's/.* msg="\(\([^"\\]\|\\.\)*\)".*/\1/p')
    # logrus quotes a message only when it has to (msg=done).
    [ -n "$msg" ] || msg=$(printf '%s\n' "$line" | sed -n 's/.* msg=\([^" ][^ ]*\).*/\1/p')
    ctx=$(printf '%s\n' "$line" | sed -n 's/.* context=\([^ ]*\).*/\1/p')
    if [ -z "$stamp" ] || [ -z "$msg" ]; then
      continue
    fi
    # Lima's chatter that varies from run to run or marks no step (ports, sockets, waits).
    case "$msg" in
      *orwarding* | *"SSH Local Port"* | *"Terminal is not available"* | *"socket created"* | \
        *"/dev/kvm"* | *"system firmware"* | *"Waiting for the"* | *"Time sync"* | *"Mounting disk"*)
        continue ;;
    esac
    at=$(date -d "$stamp" +%s 2>/dev/null) || continue
    [ -z "$ctx" ] || msg="[$ctx] $msg"
    printf 'upstream\t%s\t%s\t%s\t%d\n' "$kind" "$round" "$msg" "$(((at - t0_ms / 1000) * 1000))" \
      >>"$stages"
  done <"$log"
}
# The processes of a tool: those carrying its marker variable, and their descendants (Lima
# starts the ssh of a mount and its sftp-server with an environment of its own).
tagged_pids() {
  local tag environ pid ppid line changed=1
  local -A found=()
  tag="COLIMA_BENCH_TAG=$(tag_of "$1")"
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}
    pid=${pid%/environ}
    [ "$pid" != "$$" ] || continue
    if grep -qzxF -- "$tag" "$environ" 2>/dev/null; then
      found[$pid]=1
    fi
  done
  local -a pairs=()
  mapfile -t pairs < <(ps -u "$(id -u)" -o pid=,ppid=)
  while [ "$changed" = 1 ]; do
    changed=0
    for line in "${pairs[@]}"; do
      read -r pid ppid <<<"$line"
      if [ -n "${found[$ppid]:-}" ] && [ -z "${found[$pid]:-}" ]; then
        found[$pid]=1
        changed=1
      fi
    done
  done
  [ "${#found[@]}" = 0 ] || printf '%s\n' "${!found[@]}"
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true; }
# Guest memory in use (free -m, "used") and the host RSS of QEMU and of the tool's other
# processes left running, with their names.
measure_memory() {
  local tool=$1 log=$2 used qemu_pid qemu_kib=0 other_kib=0 pid kib names="" comm
  if [ "$tool" = floor ]; then
    run_in floor limactl shell "$INSTANCE" free -m >"$log" 2>&1 || return 1
  else
    run_in "$tool" "${bin[$tool]}" ssh --profile "$PROFILE" -- free -m >"$log" 2>&1 || return 1
  fi
  used=$(awk '/^Mem:/ { print $3 }' "$log")
  [ -n "$used" ] && record mem_guest "$tool" "$used"
  qemu_pid=$(cat "${home[$tool]}/.colima/_lima/$INSTANCE/qemu.pid" 2>/dev/null || true)
  if [ -n "$qemu_pid" ] && [ -r "/proc/$qemu_pid/status" ]; then
    qemu_kib=$(rss_kib "$qemu_pid")
    record rss_qemu "$tool" "$((qemu_kib / 1024))"
    [ -n "${accel_seen:-}" ] || accel_seen=$(tr '\0' ' ' <"/proc/$qemu_pid/cmdline" |
      grep -o 'accel[= ][a-z]*\|-accel [a-z]*' | head -n 1 || true)
  fi
  for pid in $(tagged_pids "$tool"); do
    [ "$pid" != "$qemu_pid" ] || continue
    kib=$(rss_kib "$pid")
    [ -n "$kib" ] || continue
    other_kib=$((other_kib + kib))
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || echo "?")
    names+="$comm "
  done
  record rss_other "$tool" "$((other_kib / 1024))"
  printf '%s\t%s\n' "$tool" "$(printf '%s\n' "$names" | tr ' ' '\n' | sed '/^$/d' | sort |
    uniq -c | awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }')" >>"$work/processes.tsv"
}

# Four more profiles for `list`: Lima instances made with `limactl create` (never booted)
# from a small document on the tool's image, each with a copy of the running profile's state
# file (<LIMA_HOME>/<instance>/colima.yaml, where both tools keep a profile's settings).
extra_profiles() {
  local tool=$1 image=$2 i doc="${home[$1]}/tmp/extra.yaml" lima="${home[$1]}/.colima/_lima"
  cat >"$doc" <<YAML
vmType: qemu
arch: $arch
images:
  - location: "$image"
    arch: $arch
cpus: $cpus
memory: ${memory}GiB
disk: 20GiB
mounts: []
containerd:
  system: false
  user: false
YAML
  for i in 2 3 4 5; do
    run_in "$tool" limactl create --tty=false --name "$INSTANCE$i" "$doc" >/dev/null 2>&1 || return 1
    [ ! -f "$lima/$INSTANCE/colima.yaml" ] || cp "$lima/$INSTANCE/colima.yaml" "$lima/$INSTANCE$i/"
  done
}
drop_extra_profiles() {
  local tool=$1 i
  for i in 2 3 4 5; do
    run_in "$tool" limactl delete --force "$INSTANCE$i" >/dev/null 2>&1 || true
  done
}

# One round of one tool. Every step checked: a failed one ends the tool's round.
round() {
  local tool=$1 r=$2 logs="$work/logs/$1-$2" t0 image
  mkdir -p "$logs"
  make_home "$tool"
  local -a create=(--runtime docker --cpus "$cpus" --memory "$memory" --disk 100)
  if [ "$tool" = upstream ]; then
    create+=(--disk-image "$upstream_image" --force-disk-image)
    image=$upstream_image
  else
    image=$our_image
  fi
  say "round $r: $tool: cold start"
  t0=$(now_ms)
  timed_start "$tool" "$logs/cold.log" "${create[@]}" || { fail_step "$tool" "cold start" "$logs/cold.log"; return 1; }
  if [ "$tool" = ours ] && grep -q '^colima: building guest image' "$logs/cold.log"; then
    say "round $r: ours built its guest image during the start (not counted): measuring again"
    run_in ours "${bin[ours]}" delete --force --data --profile "$PROFILE" >"$logs/delete-0.log" 2>&1 ||
      { fail_step ours "delete" "$logs/delete-0.log"; return 1; }
    t0=$(now_ms)
    timed_start ours "$logs/cold.log" "${create[@]}" || { fail_step ours "cold start" "$logs/cold.log"; return 1; }
  fi
  record cold "$tool" "$elapsed"
  if [ "$tool" = ours ]; then
    our_stages cold "$r" "$logs/cold.log"
    [ -f "$work/floor.yaml" ] || cp "${home[ours]}/.colima/$PROFILE/lima.yaml" "$work/floor.yaml" 2>/dev/null || true
  else
    upstream_stages cold "$r" "$logs/cold.log" "$t0"
  fi

  say "round $r: $tool: status, list, memory"
  sample "$tool" status "$logs/status.log" "${bin[$tool]}" status --json --profile "$PROFILE" ||
    { fail_step "$tool" "status --json" "$logs/status.log"; return 1; }
  sample "$tool" list1 "$logs/list1.log" "${bin[$tool]}" list --json ||
    { fail_step "$tool" "list --json" "$logs/list1.log"; return 1; }
  measure_memory "$tool" "$logs/free.log" || { fail_step "$tool" "ssh -- free -m" "$logs/free.log"; return 1; }
  extra_profiles "$tool" "$image" || { fail_step "$tool" "limactl create (4 profiles)" /dev/null; return 1; }
  sample "$tool" list5 "$logs/list5.log" "${bin[$tool]}" list --json ||
    { fail_step "$tool" "list --json (5 profiles)" "$logs/list5.log"; return 1; }
  [ "$(grep -c '^{' "$logs/list5.log")" = 5 ] ||
    say "round $r: $tool: list --json showed $(grep -c '^{' "$logs/list5.log") profiles, not 5"
  drop_extra_profiles "$tool"

  say "round $r: $tool: stop"
  timed "$logs/stop.log" run_in "$tool" "${bin[$tool]}" stop --profile "$PROFILE" ||
    { fail_step "$tool" "stop" "$logs/stop.log"; return 1; }
  record stop "$tool" "$elapsed"
  say "round $r: $tool: warm start"
  t0=$(now_ms)
  timed_start "$tool" "$logs/warm.log" || { fail_step "$tool" "warm start" "$logs/warm.log"; return 1; }
  record warm "$tool" "$elapsed"
  if [ "$tool" = ours ]; then
    our_stages warm "$r" "$logs/warm.log"
  else
    upstream_stages warm "$r" "$logs/warm.log" "$t0"
  fi
  say "round $r: $tool: delete"
  timed "$logs/delete.log" run_in "$tool" "${bin[$tool]}" delete --force --data --profile "$PROFILE" ||
    { fail_step "$tool" "delete" "$logs/delete.log"; return 1; }
  record delete "$tool" "$elapsed"
}

# The floor: our colima's Lima document (paths moved into the floor's home) started by limactl
# alone, then docker's units started with one systemctl call (the socket owned by the Lima user,
# whose ssh forwards it, as colima's runtime script does).
floor_round() {
  local r=$1 logs="$work/logs/floor-$1" doc="$work/floor-run.yaml" text t0 sock dir
  mkdir -p "$logs"
  clean_tool floor
  rm -rf "${home[floor]}"
  make_home floor
  text=$(cat "$work/floor.yaml")
  text=${text//"${home[ours]}"/"${home[floor]}"}
  # The floor's data disk is new: Lima formats it (colima asks that only of a new disk).
  text=${text//"format: false"/"format: true"}
  printf '%s\n' "$text" >"$doc"
  sed -n 's/^[[:space:]]*hostSocket:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$doc" |
    while IFS= read -r sock; do mkdir -p "$(dirname "$sock")"; done
  sock=$(sed -n 's/^[[:space:]]*hostSocket:[[:space:]]*"\{0,1\}\([^"]*docker\.sock\)"\{0,1\}[[:space:]]*$/\1/p' "$doc" | head -n 1)
  [ -n "$sock" ] || { say "floor: no docker socket in our Lima document"; return 1; }
  # Our data disk, made as colima makes it (not timed).
  if grep -q '^additionalDisks:' "$doc"; then
    while IFS= read -r dir; do
      run_in floor limactl disk create "$dir" --size 100GiB >"$logs/disk.log" 2>&1 ||
        { fail_step floor "limactl disk create" "$logs/disk.log"; return 1; }
    done < <(sed -n '/^additionalDisks:/,/^[^ -]/s/^[ -]*name:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$doc")
  fi
  say "round $r: floor: limactl start"
  t0=$(now_ms)
  (cd "${home[floor]}" && run_in floor limactl start --tty=false --name "$INSTANCE" "$doc") \
    >"$logs/start.log" 2>&1 || { fail_step floor "limactl start" "$logs/start.log"; return 1; }
  record floor_ready floor "$(($(now_ms) - t0))"
  printf '%s\n' 'set -e' 'mkdir -p /etc/systemd/system/docker.socket.d' \
    "printf '[Socket]\\nSocketUser=%s\\n' \"\$1\" >/etc/systemd/system/docker.socket.d/bench.conf" \
    'systemctl daemon-reload' 'systemctl start containerd.service docker.socket docker.service' |
    (cd "${home[floor]}" && run_in floor limactl shell "$INSTANCE" sudo sh -s -- "$(id -un)") \
      >"$logs/engine.log" 2>&1 || { fail_step floor "starting docker" "$logs/engine.log"; return 1; }
  local deadline=$(($(date +%s) + 180))
  until run_in floor docker -H "unix://$sock" info >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { fail_step floor "docker info" "$logs/engine.log"; return 1; }
    sleep 0.5
  done
  record floor_engine floor "$(($(now_ms) - t0))"
  (cd "${home[floor]}" && measure_memory floor "$logs/free.log") || true
  clean_tool floor
}

# --- report --------------------------------------------------------------------------------
fmt_ms() { # MS UNIT(s|ms|MiB)
  [ -n "$1" ] || { printf '–'; return; }
  case "$2" in
    s) awk -v v="$1" 'BEGIN { printf "%.1f s", v / 1000 }' ;;
    ms) printf '%d ms' "$1" ;;
    MiB) printf '%d MiB' "$1" ;;
  esac
}
ratio() {
  if [ -n "$1" ] && [ -n "$2" ] && [ "$2" != 0 ]; then
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
  else
    printf '–'
  fi
}
row() { # LABEL KEY UNIT
  local a b
  a=$(median_of "$2" ours)
  b=$(median_of "$2" upstream)
  printf '| %s | %s | %s | %s |\n' "$1" "$(fmt_ms "$a" "$3")" "$(fmt_ms "$b" "$3")" "$(ratio "$a" "$b")"
}
stage_table() { # TOOL KIND
  local tool=$1 kind=$2 text v
  awk -F '\t' -v t="$tool" -v k="$kind" '$1 == t && $2 == k && !seen[$4]++ { print $4 }' "$stages" |
    while IFS= read -r text; do
      v=$(STAGE="$text" awk -F '\t' -v t="$tool" -v k="$kind" \
        '$1 == t && $2 == k && $4 == ENVIRON["STAGE"] { print $5 }' "$stages" | median)
      printf '| %s | %s |\n' "$(awk -v v="$v" 'BEGIN { printf "%.1f s", v / 1000 }')" "${text//|/\\|}"
    done
}
machine() {
  local mem cpu kvm
  mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  if [ ! -e /dev/kvm ]; then
    kvm="TCG (no /dev/kvm)"
  elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    kvm="KVM (/dev/kvm usable)"
  else
    kvm="/dev/kvm present but not usable by $(id -un)"
  fi
  printf '%s nproc, %s, %s; %s' "$(nproc)" "$mem" "${cpu:-unknown CPU}" "$kvm"
}
header() {
  local rev
  # Read only; the tree may belong to another user (root on this project's machines).
  rev=$(git -c safe.directory="$src" -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ -z "$(git -c safe.directory="$src" -C "$src" status --porcelain --untracked-files=no 2>/dev/null)" ] ||
    rev+=" with uncommitted changes"
  echo "## colima (C++) and upstream Colima $UPSTREAM_VERSION side by side"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $(machine)$( [ -z "${accel_seen:-}" ] || printf '; QEMU ran with %s' "$accel_seen")"
  echo "- limactl $(limactl --version 2>/dev/null | awk '{ print $NF }'), $(
    "qemu-system-$arch" --version | head -n 1)"
  echo "- ours: $colima ($(run_in ours "${bin[ours]}" version 2>/dev/null | head -n 1 || true); git $rev), image $our_image"
  echo "- upstream: $upstream_bin ($(run_in upstream "$upstream_bin" version 2>/dev/null | head -n 1 || true)), image $upstream_image (Debian $SUITE, cloud-init, /usr/bin/dockerd -> /usr/sbin/dockerd)"
  echo "- $rounds round(s), ours then upstream in each; status/list: $samples runs per round; VMs: $cpus CPUs, $memory GiB, 100 GiB data disk; values are medians"
}
report() {
  header
  echo
  echo "| measure | ours | upstream | ours/upstream |"
  echo "| --- | --- | --- | --- |"
  row "cold start (create → docker info answers)" cold s
  row "warm start (stopped → docker info answers)" warm s
  row "stop" stop s
  row "delete --data (running VM)" delete s
  row "status --json (running)" status ms
  row "list --json, 1 profile" list1 ms
  row "list --json, 5 profiles (1 running, 4 created)" list5 ms
  row "guest memory used after a cold start (free -m)" mem_guest MiB
  row "host RSS of QEMU" rss_qemu MiB
  row "host RSS of the tool's other processes" rss_other MiB
  if [ -s "$work/processes.tsv" ]; then
    echo
    echo "Other host processes left running (after the last cold start of each):"
    awk -F '\t' '{ last[$1] = $2 } END { for (t in last) if (t != "floor") printf "- %s: %s\n", t, last[t] }' \
      "$work/processes.tsv" | sort
  fi
  if [ "$floor" = 1 ]; then
    echo
    echo "Floor: our Lima document started by limactl alone (same image, no colima):"
    echo
    echo "| measure | floor | ours/floor | upstream/floor |"
    echo "| --- | --- | --- | --- |"
    local f o u
    f=$(median_of floor_ready floor)
    printf '| limactl start → Lima READY | %s | | |\n' "$(fmt_ms "$f" s)"
    f=$(median_of floor_engine floor)
    o=$(median_of cold ours)
    u=$(median_of cold upstream)
    printf '| … → docker info answers (one systemctl start) | %s | %s | %s |\n' \
      "$(fmt_ms "$f" s)" "$(ratio "$o" "$f")" "$(ratio "$u" "$f")"
    f=$(median_of mem_guest floor)
    printf '| guest memory used (free -m) | %s | %s | %s |\n' "$(fmt_ms "$f" MiB)" \
      "$(ratio "$(median_of mem_guest ours)" "$f")" "$(ratio "$(median_of mem_guest upstream)" "$f")"
    f=$(median_of rss_qemu floor)
    printf '| host RSS of QEMU | %s | %s | %s |\n' "$(fmt_ms "$f" MiB)" \
      "$(ratio "$(median_of rss_qemu ours)" "$f")" "$(ratio "$(median_of rss_qemu upstream)" "$f")"
    f=$(median_of rss_other floor)
    printf '| host RSS of the other processes (Lima, ssh) | %s | %s | %s |\n' "$(fmt_ms "$f" MiB)" \
      "$(ratio "$(median_of rss_other ours)" "$f")" "$(ratio "$(median_of rss_other upstream)" "$f")"
  fi
  local kind
  for kind in cold warm; do
    if grep -q "^ours	$kind	" "$stages"; then
      echo
      echo "Our colima's $kind start, its stages (elapsed when each began):"
      echo
      echo "| at | stage |"
      echo "| --- | --- |"
      stage_table ours "$kind"
    fi
    if grep -q "^upstream	$kind	" "$stages"; then
      echo
      echo "Upstream's $kind start, its log lines (whole seconds):"
      echo
      echo "| at | line |"
      echo "| --- | --- |"
      stage_table upstream "$kind"
    fi
  done
  [ "$failures" = 0 ] || { echo; echo "**$failures step(s) failed: their figures are missing or partial.**"; }
}

# --- main ----------------------------------------------------------------------------------
main() {
  parse_args "$@"
  check_tools
  make_work
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  our_image="$our_cache/images/$SUITE-$arch-docker/disk.qcow2"
  if [ "$mode" = dry ]; then
    make_home ours
    echo "ours:            $colima"
    echo "our image cache: $our_cache ($(our_image_cached && echo "has $SUITE-$arch-docker" || echo "no $SUITE-$arch-docker yet: would build"))"
    echo "upstream:        $upstream_bin ($([ -x "$upstream_bin" ] && echo built || echo "would build from $UPSTREAM_MODULE@$UPSTREAM_VERSION, Go $(find_go || echo missing)"))"
    echo "lima wrapper:    $(command -v lima || echo "none on PATH: would use the module's cmd/lima")"
    echo "upstream image:  $upstream_image ($([ -f "$upstream_image" ] && echo built || echo "would build with $build_image"))"
    echo "Debian mirror:   ${mirror:-none found}"
    echo "work directory:  $work"
    echo "machine:         $(machine)"
    echo "plan:            $rounds round(s) of: ${tools// /, }$([ "$floor" = 0 ] || echo ", floor (limactl alone)")"
    echo "                 cold start, status --json x$samples, list --json x$samples, free -m, 4 created profiles,"
    echo "                 list --json x$samples, stop, warm start, delete --data"
    exit 0
  fi

  build_upstream
  tool_path=$(upstream_path)
  build_upstream_image
  build_our_image
  if [ "$mode" = build ]; then
    echo "upstream Colima: $upstream_bin"
    echo "upstream image:  $upstream_image"
    echo "our image cache: $our_cache"
    exit 0
  fi

  if [ -n "$vm_lock" ]; then
    say "waiting for the lock '$vm_lock'"
    if [ -w "$vm_lock" ] || [ ! -e "$vm_lock" ]; then
      exec 9>>"$vm_lock"
    else
      exec 9<"$vm_lock"
    fi
    flock 9
  fi

  for r in $(seq "$rounds"); do
    for tool in $tools; do
      if ! round "$tool" "$r"; then
        clean_tool "$tool"
      fi
    done
    if [ "$floor" = 1 ]; then
      if [ -f "$work/floor.yaml" ]; then
        floor_round "$r" || clean_tool floor
      else
        say "round $r: floor skipped: no Lima document from our colima"
      fi
    fi
  done
  report
  [ "$failures" = 0 ]
}

main "$@"; exit "$?"
