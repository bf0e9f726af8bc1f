#!/usr/bin/env bash
# Builds the guest programs Debian does not package (nerdctl, buildkitd, buildctl) from the Go
# module proxy, statically, for one guest architecture. colima ships this script and runs it
# with values as arguments, never as code, while the guest image is being built.
#
# Usage: build-tools.sh --go GO --arch x86_64|aarch64 --output DIR
#                       --nerdctl VERSION --tigron VERSION --buildkit VERSION
# Writes DIR/nerdctl, DIR/buildkitd and DIR/buildctl. The proxy is Go's own (GOPROXY, else
# `go env GOPROXY`); GOMODCACHE and GOCACHE come from the environment. Prints `phase: NAME`
# lines on stdout as it goes.
set -euo pipefail

die() { printf 'build-tools: error: %s\n' "$*" >&2; exit 1; }
phase() { printf 'phase: %s\n' "$*"; }

go="" arch="" output="" nerdctl="" tigron="" buildkit=""
while [ $# -gt 0 ]; do
  case "$1" in
    --go) go=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    --nerdctl) nerdctl=$2; shift 2 ;;
    --tigron) tigron=$2; shift 2 ;;
    --buildkit) buildkit=$2; shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
case "$arch" in
  x86_64) goarch=amd64 ;;
  aarch64) goarch=arm64 ;;
  *) die "invalid --arch '$arch' (valid: x86_64, aarch64)" ;;
esac
[ -x "$go" ] || die "no Go toolchain at '$go'"
[ -d "$output" ] || die "--output '$output' is not a directory"
for version in "$nerdctl" "$tigron" "$buildkit"; do
  [[ "$version" =~ ^v[0-9A-Za-z.+-]+$ ]] || die "invalid version '$version'"
done

# Module sources stay writable so that a cache can be removed; no toolchain download.
export GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=0 GOOS=linux GOARCH=$goarch

# The directory `go mod download` unpacked MODULE@VERSION into.
module_dir() {
  local out
  out=$("$go" mod download -json "$1" 2>&1) || die "cannot download $1: $(printf '%s\n' "$out" | tail -n 1)"
  printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

work=$(mktemp -d "${TMPDIR:-/tmp}/colima-tools-XXXXXX")
trap 'rm -rf "$work"' EXIT

phase "nerdctl $nerdctl"
dir=$(module_dir "github.com/containerd/nerdctl/v2@$nerdctl")
[ -d "$dir" ] || die "the nerdctl module has no source directory"
# nerdctl's go.mod points tigron at a directory its module archive lacks: build with a copy of
# go.mod that takes tigron from the proxy instead.
cp "$dir/go.mod" "$dir/go.sum" "$work/"
chmod u+w "$work/go.mod" "$work/go.sum"
"$go" mod edit -replace "github.com/containerd/nerdctl/mod/tigron=github.com/containerd/nerdctl/mod/tigron@$tigron" "$work/go.mod"
(cd "$dir" && "$go" build -mod=mod -modfile="$work/go.mod" -trimpath -buildvcs=false \
  -ldflags "-s -w -X github.com/containerd/nerdctl/v2/pkg/version.Version=$nerdctl" \
  -o "$work/nerdctl" ./cmd/nerdctl) >&2 || die "building nerdctl $nerdctl failed"

phase "buildkit $buildkit"
dir=$(module_dir "github.com/moby/buildkit@$buildkit")
[ -d "$dir" ] || die "the buildkit module has no source directory"
ldflags="-s -w -X github.com/moby/buildkit/version.Version=$buildkit"
(cd "$dir" && "$go" build -trimpath -buildvcs=false -tags "osusergo netgo static_build seccomp" \
  -ldflags "$ldflags" -o "$work/buildkitd" ./cmd/buildkitd) >&2 || die "building buildkitd $buildkit failed"
(cd "$dir" && "$go" build -trimpath -buildvcs=false -ldflags "$ldflags" \
  -o "$work/buildctl" ./cmd/buildctl) >&2 || die "building buildctl $buildkit failed"

chmod 0755 "$work/nerdctl" "$work/buildkitd" "$work/buildctl"
mv "$work/nerdctl" "$work/buildkitd" "$work/buildctl" "$output/"
phase "done"
