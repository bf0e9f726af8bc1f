#!/usr/bin/env bash
# Wall times of colima's VM lifecycle on this machine, as the ordinary user (limactl refuses
# root): cold start (guest image cached), status --json, list --json, stop, warm start (resume),
# delete; and the stages of each start with their elapsed times. Guest images come from
# $COLIMA_E2E_CACHE (default /var/tmp/colima-e2e-cache), built first when missing (not timed).
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
cleanup() { "$colima" delete --force --data >/dev/null 2>&1 || true; rm -rf "$home"; }
trap cleanup EXIT

now() { date +%s.%N; }
# Runs a command, prints its wall time in seconds and keeps its stderr in $home/last.log.
timed() {
  local label=$1 start end
  shift
  start=$(now)
  "$@" >/dev/null 2>"$home/last.log" || { cat "$home/last.log" >&2; exit 1; }
  end=$(now)
  awk -v l="$label" -v a="$start" -v b="$end" 'BEGIN { printf "%-24s %8.2f s\n", l, b - a }'
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

"$colima" image list | grep -q "trixie-$(uname -m)-docker" || "$colima" image build >/dev/null 2>&1
timed "cold start" "$colima" start
stages
mean_of "status --json" 10 "$colima" status --json
mean_of "list --json" 10 "$colima" list --json
timed "stop" "$colima" stop
timed "warm start (resume)" "$colima" start
stages
timed "stop" "$colima" stop
timed "delete --data" "$colima" delete --force --data
