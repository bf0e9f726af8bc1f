#!/usr/bin/env bash
# Wall times of colima's VM lifecycle on this machine, as the ordinary user (limactl refuses
# root), for each runtime (docker, then containerd; $BENCH_RUNTIMES picks): cold start (guest
# image cached) until the engine answers (`docker info` through the profile's context, or
# `colima nerdctl -- info`), status --json, list --json, stop, warm start (resume), delete; the
# stages of each start with their elapsed times; and containerd's times as a ratio of docker's.
# Guest images come from $COLIMA_E2E_CACHE (default /var/tmp/colima-e2e-cache), built first
# when missing (not timed).
# Usage: scripts/bench-vm.sh [BUILD_DIR]
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$src/build}
colima="$build/colima"
[ -x "$colima" ] || { echo "bench: error: no colima binary at '$colima'" >&2; exit 1; }
[ "$(id -u)" -ne 0 ] || { echo "bench: error: run as an ordinary user (limactl refuses root)" >&2; exit 1; }

home=$(mktemp -d /var/tmp/cbench-XXXXXX)
export HOME=$home COLIMA_CACHE_HOME=${COLIMA_E2E_CACHE:-/var/tmp/colima-e2e-cache}
unset COLIMA_HOME COLIMA_PROFILE LIMA_HOME
cleanup() {
  for runtime in ${BENCH_RUNTIMES:-docker containerd}; do
    "$colima" delete --force --data --profile "bench-$runtime" >/dev/null 2>&1 || true
  done
  rm -rf "$home"
}
trap cleanup EXIT

now() { date +%s.%N; }
# Runs a command, prints its wall time in seconds, keeps it in $last and its stderr in
# $home/last.log.
last=0
timed() {
  local label=$1 start end
  shift
  start=$(now)
  "$@" >/dev/null 2>"$home/last.log" || { cat "$home/last.log" >&2; exit 1; }
  end=$(now)
  last=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  printf '%-24s %8.2f s\n' "$label" "$last"
}
mean_of() {
  local label=$1 runs=$2 start end
  shift 2
  start=$(now)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 || true; done
  end=$(now)
  awk -v l="$label" -v a="$start" -v b="$end" -v n="$runs" \
    'BEGIN { printf "%-24s %8.3f s (mean of %d)\n", l, (b - a) / n, n }'
}
stages() {
  sed -n 's/^colima: \(.*\) \[\([0-9.]*s\)\]$/    \2  \1/p' "$home/last.log"
  # VM ready (Lima's READY, when the runtime's provisioning starts) to the engine answering.
  sed -n 's/^colima: \(.*\) \[\([0-9.]*\)s\]$/\2 \1/p' "$home/last.log" | awk '
    / provisioning / { vm = $1 }
    / is ready$/ { ready = $1 }
    END { if (vm != "" && ready != "") printf "%-24s %8.2f s\n", "VM ready -> engine ready", ready - vm }'
}

# The engine of a profile answering, as a user would ask it.
engine_answers() {
  case "$1" in
    docker) docker --context "colima-bench-docker" info ;;
    containerd) "$colima" nerdctl --profile bench-containerd -- info ;;
  esac
}
start_and_wait() {
  "$colima" start --profile "bench-$1" --runtime "$1" && engine_answers "$1"
}

declare -A cold warm
for runtime in ${BENCH_RUNTIMES:-docker containerd}; do
  echo "== runtime $runtime"
  "$colima" image list | grep -q "trixie-$(uname -m)-$runtime" ||
    "$colima" image build --runtime "$runtime" >/dev/null 2>&1
  timed "cold start" start_and_wait "$runtime"
  cold[$runtime]=$last
  stages
  mean_of "status --json" 10 "$colima" status --json --profile "bench-$runtime"
  mean_of "list --json" 10 "$colima" list --json
  timed "stop" "$colima" stop --profile "bench-$runtime"
  timed "warm start (resume)" start_and_wait "$runtime"
  warm[$runtime]=$last
  stages
  timed "stop" "$colima" stop --profile "bench-$runtime"
  timed "delete --data" "$colima" delete --force --data --profile "bench-$runtime"
done
if [ -n "${cold[docker]:-}" ] && [ -n "${cold[containerd]:-}" ]; then
  echo "== containerd / docker"
  awk -v a="${cold[containerd]}" -v b="${cold[docker]}" 'BEGIN { printf "%-24s %8.2f\n", "cold start ratio", a / b }'
  awk -v a="${warm[containerd]}" -v b="${warm[docker]}" 'BEGIN { printf "%-24s %8.2f\n", "warm start ratio", a / b }'
fi
