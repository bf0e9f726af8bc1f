#!/usr/bin/env bash
# Builds upstream Kubernetes from the Go module proxy for one guest architecture: the control
# plane, kubelet, kube-proxy and kubectl, etcd (and etcdctl) at the version Kubernetes pins,
# CoreDNS, and the pause program, all static; packs pause and CoreDNS as OCI image-layout tars
# that `ctr -n k8s.io images import` takes. colima ships this script and runs it with values as
# arguments, never as code.
#
# Usage: build-kubernetes.sh --go GO --version vX.Y.Z --arch x86_64|aarch64 --output DIR
#                            [--components LIST]
# LIST is a comma list of kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
# kube-proxy, kubectl, etcd, etcdctl, coredns, pause (default: all).
# Writes DIR/bin/<programs>, DIR/images/{pause,coredns}.tar, DIR/manifest.json and
# DIR/bundle.tar (bin/, images/ and manifest.json, uncompressed). Everything is made in a
# directory beside DIR and moved into place at the end, so an interrupted build leaves no DIR.
# The proxy is Go's own (GOPROXY, else `go env GOPROXY`); GOMODCACHE and GOCACHE come from the
# environment. Prints `phase: NAME` lines on stdout; the tools' output goes to stderr.
set -euo pipefail

die() { printf 'build-kubernetes: error: %s\n' "$*" >&2; exit 1; }
phase() { printf 'phase: %s\n' "$*"; }

all_components=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl
                etcd etcdctl coredns pause)
# etcd releases the module proxy is known to serve, by minor version: the fallback when it
# refuses the exact version Kubernetes pins (the proxy refuses to list versions).
declare -A etcd_served=([3.6]="v3.6.13 v3.6.14 v3.6.15 v3.6.16" [3.7]="v3.7.0 v3.7.1 v3.7.2 v3.7.3")
coredns_fallback=v1.12.4
# The CoreDNS plugins the Corefile of templates/kubernetes/kubernetes.sh uses (prometheus is the
# metrics plugin's directive), and log, loop and whoami, which users add when debugging.
coredns_plugins="cache errors forward health hosts kubernetes loadbalance log loop metrics ready reload whoami"

go="" version="" arch="" output="" components=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "'$1' needs a value"
  case "$1" in
    --go) go=$2 ;;
    --version) version=$2 ;;
    --arch) arch=$2 ;;
    --output) output=$2 ;;
    --components) components=$2 ;;
    *) die "unknown argument '$1'" ;;
  esac
  shift 2
done
case "$arch" in
  x86_64) goarch=amd64 ;;
  aarch64) goarch=arm64 ;;
  *) die "invalid --arch '$arch' (valid: x86_64, aarch64)" ;;
esac
[[ "$version" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] ||
  die "invalid --version '$version': a Kubernetes release such as v1.35.4"
minor=${BASH_REMATCH[1]} patch=${BASH_REMATCH[2]}
[ -x "$go" ] || die "no Go toolchain at '$go'"
[ -n "$output" ] || die "--output is required"
output=${output%/}
parent=$(dirname -- "$output")
[ -d "$parent" ] || die "the directory of --output, '$parent', does not exist"

declare -A want=()
IFS=, read -r -a requested <<<"${components:-$(IFS=,; echo "${all_components[*]}")}"
for name in "${requested[@]}"; do
  [[ " ${all_components[*]} " == *" $name "* ]] ||
    die "unknown component '$name' (valid: $(IFS=,; echo "${all_components[*]}"))"
  want[$name]=1
done
[ ${#want[@]} -gt 0 ] || die "--components names nothing"
wants() { for name in "$@"; do [ -n "${want[$name]:-}" ] && return 0; done; return 1; }

# The pause program is C: it needs a C compiler for the target that links statically.
if wants pause; then
  cc=""
  if command -v "$arch-linux-gnu-gcc" >/dev/null; then
    cc=$arch-linux-gnu-gcc
  elif [ "$(uname -m)" = "$arch" ] && command -v gcc >/dev/null; then
    cc=gcc
  else
    die "building the pause program for $arch needs $arch-linux-gnu-gcc: install Debian's package gcc-${arch//_/-}-linux-gnu"
  fi
fi

# Module sources stay writable so that a cache can be removed; no toolchain download.
export GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=0 GOOS=linux GOARCH=$goarch
[ -n "${GOPROXY:-}" ] || GOPROXY=$("$go" env GOPROXY)
export GOPROXY

work=$(mktemp -d "$parent/.$(basename -- "$output").build-XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
# Long steps run as background children that a TERM (colima cancelling) stops too.
child=""
trap '[ -z "$child" ] || { kill -TERM "$child" 2>/dev/null; wait "$child"; }; exit 143' TERM INT HUP
run() {
  local status=0
  "$@" >&2 &
  child=$!
  wait "$child" || status=$?
  child=""
  return "$status"
}
out=$work/out
mkdir -p "$out/bin" "$out/images"

# Prints the JSON field NAME of `go mod download -json MODULE@VERSION`; fails with Go's reason.
download() {
  local json
  json=$("$go" mod download -json "$1" 2>&1) || {
    printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' >&2
    return 1
  }
  printf '%s\n' "$json" | sed -n "s/^[[:space:]]*\"$2\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p"
}

# Copies a module's source tree to a writable place.
copy_tree() {
  cp -R "$1" "$2"
  chmod -R u+w "$2"
}

# The version of the dependency NAME in Kubernetes' build/dependencies.yaml.
dependency_version() {
  awk -v name="\"$2\"" '
    $1 == "-" && $2 == "name:" { found = ($3 == name) }
    found && $1 == "version:" { print $2; exit }' "$1/build/dependencies.yaml"
}

phase "download kubernetes $version"
k8s_dir=$(download "k8s.io/kubernetes@$version" Dir) ||
  die "the module proxy does not serve k8s.io/kubernetes@$version"
k8s_info=$(download "k8s.io/kubernetes@$version" Info)
# The release's own time, so that a rebuild stamps the same build date.
build_date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$k8s_info")
[ -n "$build_date" ] || build_date=1970-01-01T00:00:00Z
epoch=$(date -u -d "$build_date" +%s)
build_date=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

kube_programs=()
for name in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
  wants "$name" && kube_programs+=("./cmd/$name")
done
if [ ${#kube_programs[@]} -gt 0 ]; then
  src=$work/kubernetes
  copy_tree "$k8s_dir" "$src"
  # The module's staging/ modules are not in its archive: take the published k8s.io/X
  # v0.MINOR.PATCH modules instead, and build without its vendor tree and workspace.
  rm -rf "$src/vendor" "$src/go.work" "$src/go.work.sum"
  sed -i -E "s#^([[:space:]]*)(k8s\\.io/[A-Za-z0-9._-]+) => \\./staging/src/k8s\\.io/[A-Za-z0-9._-]+[[:space:]]*\$#\\1\\2 => \\2 v0.$minor.$patch#" "$src/go.mod"
  ! grep -q '=> \./staging/' "$src/go.mod" || die "go.mod of k8s.io/kubernetes@$version keeps a staging replace"
  phase "download kubernetes dependencies"
  run "$go" -C "$src" mod download || die "cannot download the modules k8s.io/kubernetes@$version needs"
  phase "build kubernetes $version"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
  done
  run "$go" -C "$src" build -mod=mod -trimpath -buildvcs=false -ldflags "$ldflags" \
    -o "$out/bin/" "${kube_programs[@]}" || die "building kubernetes $version failed"
  rm -rf "$src"
fi

etcd=""
if wants etcd etcdctl; then
  etcd=v$(dependency_version "$k8s_dir" etcd)
  [[ "$etcd" =~ ^v3\.([0-9]+)\.([0-9]+)$ ]] || die "cannot read the etcd version from k8s.io/kubernetes@$version"
  phase "download etcd $etcd"
  if ! etcd_dir=$(download "go.etcd.io/etcd/server/v3@$etcd" Dir 2>/dev/null); then
    pinned=$etcd pinned_patch=${BASH_REMATCH[2]} etcd=""
    # The served patches of the same minor, nearest first.
    candidates=$(for v in ${etcd_served[3.${BASH_REMATCH[1]}]:-}; do
      p=${v##*.}; d=$((p - pinned_patch)); echo "${d#-} $v"; done | sort -n | cut -d' ' -f2)
    for candidate in $candidates; do
      if etcd_dir=$(download "go.etcd.io/etcd/server/v3@$candidate" Dir 2>/dev/null); then
        etcd=$candidate
        break
      fi
    done
    [ -n "$etcd" ] || die "the module proxy serves neither go.etcd.io/etcd/server/v3@$pinned (what Kubernetes $version pins) nor a known patch of its minor version"
    printf 'note: etcd %s instead of %s: the module proxy does not serve the version Kubernetes %s pins\n' \
      "$etcd" "$pinned" "$version"
  fi
  # etcd's modules point at their siblings with relative replaces that a module archive cannot
  # follow: drop them and take the siblings from the proxy at the required versions.
  build_etcd() { # MODULE-DIR PROGRAM
    local src=$work/$2
    copy_tree "$1" "$src"
    sed -i -E '/^(replace)?[[:space:]]*go\.etcd\.io\/[A-Za-z0-9./_-]+ => \.\.\//d' "$src/go.mod"
    run "$go" -C "$src" mod download || die "cannot download the modules $2 $etcd needs"
    run "$go" -C "$src" build -mod=mod -trimpath -buildvcs=false -ldflags "-s -w" \
      -o "$out/bin/$2" . || die "building $2 $etcd failed"
    rm -rf "$src"
  }
  phase "build etcd $etcd"
  wants etcd && build_etcd "$etcd_dir" etcd
  if wants etcdctl; then
    ctl_dir=$(download "go.etcd.io/etcd/etcdctl/v3@$etcd" Dir) || die "the module proxy does not serve go.etcd.io/etcd/etcdctl/v3@$etcd"
    build_etcd "$ctl_dir" etcdctl
  fi
fi

coredns=""
if wants coredns; then
  coredns=v$(dependency_version "$k8s_dir" coredns-kubeadm)
  [ "$coredns" != v ] || coredns=v$(dependency_version "$k8s_dir" coredns-kube-up)
  phase "download coredns $coredns"
  if ! coredns_dir=$(download "github.com/coredns/coredns@$coredns" Dir 2>/dev/null); then
    printf 'note: coredns %s instead of %s: the module proxy does not serve the version Kubernetes %s names\n' \
      "$coredns_fallback" "$coredns" "$version"
    coredns=$coredns_fallback
    coredns_dir=$(download "github.com/coredns/coredns@$coredns" Dir) || die "the module proxy does not serve github.com/coredns/coredns@$coredns"
  fi
  phase "build coredns $coredns"
  # CoreDNS links every plugin it ships by default, cloud providers' SDKs included: most of its
  # build time and size. colima's Corefile (kubernetes.sh) needs a dozen; link only those, and
  # let `go build` fetch only the modules they import.
  src=$work/coredns
  copy_tree "$coredns_dir" "$src"
  plugins=$src/core/plugin/zplugin.go
  [ -f "$plugins" ] || die "coredns $coredns has no core/plugin/zplugin.go to choose its plugins in"
  awk -v keep=" $coredns_plugins " '
    match($0, /"github\.com\/coredns\/coredns\/plugin\/[a-z0-9_]+"/) {
      if (index(keep, " " substr($0, RSTART + 35, RLENGTH - 36) " ") == 0) next
    }
    { print }' "$plugins" >"$plugins.new"
  kept=$(grep -c '"github.com/coredns/coredns/plugin/' "$plugins.new" || true)
  wanted=$(wc -w <<<"$coredns_plugins")
  [ "$kept" -eq "$wanted" ] ||
    die "coredns $coredns ships $kept of the $wanted plugins colima's Corefile needs ($coredns_plugins)"
  mv "$plugins.new" "$plugins"
  run "$go" -C "$src" build -trimpath -buildvcs=false -ldflags "-s -w" \
    -o "$out/bin/coredns" . || die "building coredns $coredns failed"
  rm -rf "$src"
fi

pause=""
if wants pause; then
  pause=$(sed -n 's/^TAG[[:space:]]*?=[[:space:]]*\([0-9A-Za-z.+-]*\)[[:space:]]*$/\1/p' "$k8s_dir/build/pause/Makefile")
  [ -n "$pause" ] || die "cannot read the pause version from k8s.io/kubernetes@$version"
  phase "build pause $pause"
  "$cc" -Os -Wall -static -DVERSION="v$pause-colima" -o "$out/bin/pause" \
    "$k8s_dir/build/pause/linux/pause.c" >&2 || die "compiling pause $pause with $cc failed"
  "${cc%gcc}strip" "$out/bin/pause" 2>/dev/null || strip "$out/bin/pause" 2>/dev/null || true
fi

# Writes BLOB (a file) into the layout's blob store; prints `DIGEST SIZE`.
blob() { # LAYOUT FILE
  local digest size
  digest=sha256:$(sha256sum "$2" | cut -d' ' -f1)
  size=$(stat -c %s "$2")
  mv "$2" "$1/blobs/sha256/${digest#sha256:}"
  echo "$digest $size"
}

# Packs PROGRAM as a one-layer OCI image-layout tar named REFERENCE, entry point /PROGRAM.
oci_image() { # PROGRAM REFERENCE TAR
  local layout=$work/oci-$1 rootfs=$work/rootfs-$1
  local layer_digest layer_size config_digest config_size manifest_digest manifest_size
  mkdir -p "$layout/blobs/sha256" "$rootfs"
  cp "$out/bin/$1" "$rootfs/$1"
  chmod 0755 "$rootfs/$1"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$rootfs" \
    -cf "$work/layer.tar" "$1"
  read -r layer_digest layer_size < <(blob "$layout" "$work/layer.tar")
  printf '{"architecture":"%s","config":{"Entrypoint":["/%s"],"Env":["PATH=/"]},"created":"%s","os":"linux","rootfs":{"diff_ids":["%s"],"type":"layers"}}' \
    "$goarch" "$1" "$build_date" "$layer_digest" >"$work/config.json"
  read -r config_digest config_size < <(blob "$layout" "$work/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$work/manifest.json"
  read -r manifest_digest manifest_size < <(blob "$layout" "$work/manifest.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}\n' \
    "$manifest_digest" "$manifest_size" "$goarch" "$2" "${2##*:}" >"$layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}\n' >"$layout/oci-layout"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$layout" \
    -cf "$3" oci-layout index.json blobs
  rm -rf "$layout" "$rootfs"
}

images=()
if wants pause || wants coredns; then
  phase "images"
  if wants pause; then
    oci_image pause "colima.local/kubernetes/pause:$pause" "$out/images/pause.tar"
    images+=("\"pause\":\"colima.local/kubernetes/pause:$pause\"")
  fi
  if wants coredns; then
    oci_image coredns "colima.local/kubernetes/coredns:$coredns" "$out/images/coredns.tar"
    images+=("\"coredns\":\"colima.local/kubernetes/coredns:$coredns\"")
  fi
fi

phase "bundle"
built=()
for name in "${all_components[@]}"; do
  wants "$name" && built+=("\"$name\"")
done
{
  printf '{\n  "kubernetes": "%s",\n  "etcd": "%s",\n  "coredns": "%s",\n  "pause": "%s",\n' \
    "$version" "$etcd" "$coredns" "$pause"
  printf '  "arch": "%s",\n  "components": [%s],\n  "images": {%s}\n}\n' \
    "$arch" "$(IFS=,; echo "${built[*]}")" "$(IFS=,; echo "${images[*]}")"
} >"$out/manifest.json"
chmod 0755 "$out"/bin/*
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$out" \
  -cf "$work/bundle.tar" bin images manifest.json
mv "$work/bundle.tar" "$out/bundle.tar"

# Into place: an older DIR goes only once the new one is complete.
if [ -e "$output" ]; then
  mv -- "$output" "$work/previous"
fi
mv -- "$out" "$output"
phase "done"
