#!/bin/sh
# Installs, starts, stops and deletes a single-node Kubernetes in the guest. colima runs it as
# root with its values as arguments, never as code (guest-lib.sh, then this, on stdin):
#   limactl shell <id> sudo sh -s -- ACTION ARGS...
#
#   installed DATA_MOUNT DIST VERSION
#       exit 0 when that version is installed (colima then copies nothing in).
#   install DATA_MOUNT kubernetes VERSION BUNDLE_TAR
#       unpacks colima's Kubernetes bundle (bin/, images/, manifest.json) into
#       /var/lib/colima-kubernetes/versions/VERSION on the data disk; removes BUNDLE_TAR.
#   install DATA_MOUNT k3s VERSION K3S_BINARY [AIRGAP_ARCHIVE]
#       installs /usr/local/bin/k3s; puts the air-gap archive (.tar, .tar.gz or .tar.zst) in
#       /var/lib/rancher/k3s/agent/images/; removes both files.
#   start DATA_MOUNT DIST VERSION RUNTIME PORT [K3S_ARG...]
#       starts the cluster (its state created once, then kept on the data disk) and waits for
#       the node to be Ready; a running cluster is left alone. The API server listens on
#       0.0.0.0:PORT; the admin kubeconfig names https://127.0.0.1:PORT (Lima forwards it).
#   stop DIST
#       stops the cluster and kills its pods' containers (the next start cleans them up).
#   delete DATA_MOUNT DIST
#       stops the cluster and removes its state, keeping the installed programs and images.
#   ready DIST
#       exit 0 when the API server answers /readyz.
#   running DIST
#       exit 0 when one of the cluster's services is active (started, starting or hung).
#   kubeconfig DIST
#       prints the admin kubeconfig.
#   load RUNTIME IMAGE...
#       copies images from the runtime's store (docker, or nerdctl's default namespace) into
#       containerd's k8s.io namespace, which the kubelet reads.
# DATA_MOUNT is where Lima mounted the data disk (empty: none); DIST is kubernetes (upstream
# Kubernetes that colima builds) or k3s; RUNTIME is containerd or docker.
# Admin kubeconfig: /var/lib/colima-kubernetes/admin.kubeconfig (kubernetes),
# /etc/rancher/k3s/k3s.yaml (k3s); both name their cluster, user and context `default`.
#
# k3s arguments the kubernetes distribution honours (as --flag=value or --flag value):
#   --disable=LIST (traefik, servicelb, metrics-server, local-storage, runtimes: nothing to do;
#     coredns: no CoreDNS), --cluster-cidr=CIDR (10.42.0.0/16), --service-cidr=CIDR
#   (10.43.0.0/16), --cluster-dns=IP (service CIDR + 10), --cluster-domain=DOMAIN
#   (cluster.local), --node-name=NAME (the host name), --kube-apiserver-arg=K=V,
#   --kube-controller-manager-arg=K=V, --kube-scheduler-arg=K=V, --kubelet-arg=K=V,
#   --kube-proxy-arg=K=V (each adds --K=V to that program's command line).
# k3s gets its arguments as they are.
# Prints nothing on success (kubeconfig: the file); on failure one line on stderr that says why.
set -eu
umask 022

kube=/var/lib/colima-kubernetes
k3s_images=/var/lib/rancher/k3s/agent/images
k3s_config=/etc/rancher/k3s/k3s.yaml
units="etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy"
services="etcd.service kube-apiserver.service kube-controller-manager.service kube-scheduler.service kubelet.service kube-proxy.service"
nl='
'

# use_data_disk (guest-lib.sh) stops what would run from the directories it is about to cover.
stop_engine() { stop_units; }

stop_units() {
  systemctl stop kubelet.service 2>/dev/null || true
  systemctl stop k3s.service 2>/dev/null || true
  systemctl stop kube-proxy.service kube-scheduler.service kube-controller-manager.service \
    kube-apiserver.service etcd.service 2>/dev/null || true
  # The API server may not finish its shutdown in time and the scheduler exits 1 on SIGTERM
  # without leader election: neither is a failure.
  systemctl reset-failed kube-apiserver.service kube-scheduler.service \
    kube-controller-manager.service 2>/dev/null || true
}

check_dist() {
  case "$1" in
    kubernetes | k3s) ;;
    *) fail "unknown Kubernetes distribution '$1' (valid: kubernetes, k3s)" ;;
  esac
}

check_version() {
  case "$1" in
    '' | *[!A-Za-z0-9.+_-]* | .*) fail "invalid Kubernetes version '$1'" ;;
  esac
}

data_dirs() {
  if [ "$1" = k3s ]; then
    echo "rancher kubelet"
  else
    echo "colima-kubernetes kubelet"
  fi
}

# --- values -------------------------------------------------------------------------------

ip_valid() {
  case "$1" in
    *[!0-9.]* | *..* | .* | *.) return 1 ;;
  esac
  old_ifs=$IFS
  IFS=.
  # shellcheck disable=SC2086
  set -- $1
  IFS=$old_ifs
  [ $# -eq 4 ] || return 1
  for octet in "$@"; do
    [ "${#octet}" -le 3 ] && [ "$octet" -le 255 ] || return 1
  done
}

ip_int() {
  old_ifs=$IFS
  IFS=.
  # shellcheck disable=SC2086
  set -- $1
  IFS=$old_ifs
  echo $((($1 << 24) + ($2 << 16) + ($3 << 8) + $4))
}

int_ip() {
  echo "$((($1 >> 24) & 255)).$((($1 >> 16) & 255)).$((($1 >> 8) & 255)).$(($1 & 255))"
}

# Checks the IPv4 CIDR $2 of k3s argument $1 and sets net_int (its network address) and bits.
parse_cidr() {
  case "$2" in
    */*) ;;
    *) fail "k3s argument '$1' needs an IPv4 CIDR such as 10.42.0.0/16, not '$2'" ;;
  esac
  bits=${2#*/}
  case "$bits" in
    '' | *[!0-9]*) fail "k3s argument '$1' needs an IPv4 CIDR such as 10.42.0.0/16, not '$2'" ;;
  esac
  if ! ip_valid "${2%/*}" || [ "$bits" -lt 8 ] || [ "$bits" -gt 28 ]; then
    fail "k3s argument '$1' needs an IPv4 CIDR with a prefix of 8 to 28 bits, not '$2'"
  fi
  net_int=$(($(ip_int "${2%/*}") & ((0xffffffff << (32 - bits)) & 0xffffffff)))
}

name_valid() {
  case "$1" in
    '' | *[!a-z0-9.-]* | [.-]* | *[.-]) return 1 ;;
  esac
  [ "${#1}" -le 253 ]
}

# Prints $1 quoted as one word of a systemd command line.
sd_quote() {
  case "$1" in
    *"$nl"*) fail "an argument holds a line break: '$1'" ;;
    *[\\\"%\$]*)
      printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/%/%%/g' -e 's/\$/$$/g')"
      ;;
    *) printf '"%s"' "$1" ;;
  esac
}

# An ExecStart= line for program $1 with arguments $2...
exec_start() {
  printf 'ExecStart='
  sd_quote "$1"
  shift
  for arg in "$@"; do
    printf ' \\\n  '
    sd_quote "$arg"
  done
}

# Adds a component argument given to k3s as K=V (or --K=V) to the newline-separated list $1.
add_arg() {
  value=${2#--}
  case "$value" in
    '' | =* | -*) fail "k3s argument '$3' needs a value such as 'v=2'" ;;
  esac
  printf '%s%s--%s' "$1" "${1:+$nl}" "$value"
}

# Parses the k3s arguments into settings for the kubernetes distribution.
parse_k3s_args() {
  no_coredns=0 cluster_cidr=10.42.0.0/16 service_cidr=10.43.0.0/16 cluster_dns=""
  cluster_domain=cluster.local node_name=""
  apiserver_args="" controller_args="" scheduler_args="" kubelet_args="" proxy_args=""
  while [ $# -gt 0 ]; do
    arg=$1
    shift
    case "$arg" in
      --*=*) flag=${arg%%=*} value=${arg#*=} ;;
      --disable | --cluster-cidr | --service-cidr | --cluster-dns | --cluster-domain | \
        --node-name | --kube-apiserver-arg | --kube-controller-manager-arg | \
        --kube-scheduler-arg | --kubelet-arg | --kube-proxy-arg)
        [ $# -gt 0 ] || fail "k3s argument '$arg' needs a value"
        flag=$arg value=$1
        arg="$arg $1"
        shift
        ;;
      *) fail "k3s argument '$arg' is not supported by the built Kubernetes distribution" ;;
    esac
    case "$flag" in
      --disable)
        old_ifs=$IFS
        IFS=,
        for item in $value; do
          case "$item" in
            coredns) no_coredns=1 ;;
            traefik | servicelb | metrics-server | local-storage | runtimes | '') ;;
            *) fail "k3s argument '$arg' names an unknown component '$item' (valid: coredns, traefik, servicelb, metrics-server, local-storage, runtimes)" ;;
          esac
        done
        IFS=$old_ifs
        ;;
      --cluster-cidr) cluster_cidr=$value ;;
      --service-cidr) service_cidr=$value ;;
      --cluster-dns)
        ip_valid "$value" || fail "k3s argument '$arg' needs an IPv4 address"
        cluster_dns=$value
        ;;
      --cluster-domain)
        name_valid "$value" || fail "k3s argument '$arg' needs a DNS domain such as cluster.local"
        cluster_domain=$value
        ;;
      --node-name)
        name_valid "$value" || fail "k3s argument '$arg' needs a lowercase DNS name"
        node_name=$value
        ;;
      --kube-apiserver-arg) apiserver_args=$(add_arg "$apiserver_args" "$value" "$arg") ;;
      --kube-controller-manager-arg) controller_args=$(add_arg "$controller_args" "$value" "$arg") ;;
      --kube-scheduler-arg) scheduler_args=$(add_arg "$scheduler_args" "$value" "$arg") ;;
      --kubelet-arg) kubelet_args=$(add_arg "$kubelet_args" "$value" "$arg") ;;
      --kube-proxy-arg) proxy_args=$(add_arg "$proxy_args" "$value" "$arg") ;;
      *) fail "k3s argument '$arg' is not supported by the built Kubernetes distribution" ;;
    esac
  done
  parse_cidr --cluster-cidr "$cluster_cidr"
  cluster_cidr=$(int_ip "$net_int")/$bits
  # The node's pods take the first /24 of the cluster CIDR (all of a smaller one).
  [ "$bits" -ge 24 ] || bits=24
  pod_subnet=$(int_ip "$net_int")/$bits
  parse_cidr --service-cidr "$service_cidr"
  service_cidr=$(int_ip "$net_int")/$bits
  service_ip=$(int_ip $((net_int + 1)))
  [ -n "$cluster_dns" ] || cluster_dns=$(int_ip $((net_int + 10)))
}

# Sets node_ip and node_dev: col0's address when the VM has that network, else the address of
# the default route's interface.
node_address() {
  node_dev=col0
  node_ip=$(ip -4 -o addr show dev col0 scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
  if [ -z "$node_ip" ]; then
    route=$(ip -4 route get 1.1.1.1 2>/dev/null | head -n 1)
    node_ip=$(printf '%s\n' "$route" | sed -n 's/.* src \([0-9.]*\).*/\1/p')
    node_dev=$(printf '%s\n' "$route" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
  fi
  ip_valid "$node_ip" || fail "the guest has no IPv4 address for Kubernetes to advertise"
}

host_node_name() {
  name=$(hostname | tr '[:upper:]' '[:lower:]')
  name_valid "$name" || fail "the guest host name '$name' is no valid Kubernetes node name; pass --node-name"
  echo "$name"
}

# The resolv.conf that names the real name servers (not systemd-resolved's stub).
upstream_resolv_conf() {
  if grep -q '^nameserver 127\.0\.0\.53' /etc/resolv.conf 2>/dev/null &&
    [ -s /run/systemd/resolve/resolv.conf ]; then
    echo /run/systemd/resolve/resolv.conf
  else
    echo /etc/resolv.conf
  fi
}

# A value from the bundle's manifest.json: $1 is "images" for the image references object.
manifest_image() {
  tr -d '\n' <"$1" | sed -n 's/.*"images"[[:space:]]*:[[:space:]]*{\([^}]*\)}.*/\1/p' |
    sed -n "s/.*\"$2\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p"
}

manifest_value() {
  tr -d '\n' <"$1" | sed 's/"images"[[:space:]]*:[[:space:]]*{[^}]*}//' |
    sed -n "s/.*\"$2\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p"
}

# --- containerd's CRI plugin ----------------------------------------------------------------

cri_begin='# colima: Kubernetes CRI begin'
cri_end='# colima: Kubernetes CRI end'

# The CRI plugin's section of containerd's config.toml (config version 2): runc under the
# systemd cgroup driver (kubelet's cgroupDriver must match: containerd 1.7 does not report it),
# sandbox image $1 (may be empty), CNI programs in $2 and configuration in $3.
cri_section() {
  printf '%s\n' "$cri_begin" '[plugins."io.containerd.grpc.v1.cri"]'
  [ -z "$1" ] || printf '  sandbox_image = "%s"\n' "$1"
  printf '%s\n' \
    '  [plugins."io.containerd.grpc.v1.cri".containerd]' \
    '    default_runtime_name = "runc"' \
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]' \
    '      runtime_type = "io.containerd.runc.v2"' \
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]' \
    '        SystemdCgroup = true' \
    '  [plugins."io.containerd.grpc.v1.cri".cni]'
  printf '    bin_dir = "%s"\n    conf_dir = "%s"\n' "$2" "$3"
  printf '%s' "$cri_end"
}

# Turns on containerd's CRI plugin with cri_section "$@": removes it from disabled_plugins,
# replaces colima's earlier section and keeps the rest of the configuration (a configuration
# with a CRI section of its own that sets SystemdCgroup = true is left as it is; one whose CRI
# section does not is replaced). Restarts containerd when that changed its configuration, and
# BuildKit with it; waits for the CRI plugin.
ensure_cri() {
  file=/etc/containerd/config.toml
  current=$(cat "$file" 2>/dev/null || true)
  rest=$(printf '%s\n' "$current" | sed -e "/^$cri_begin\$/,/^$cri_end\$/d" \
    -e '/^[[:space:]]*disabled_plugins[[:space:]]*=/ s/"\(io\.containerd\.grpc\.v1\.\)\{0,1\}cri"[[:space:]]*,\{0,1\}[[:space:]]*//')
  if ! printf '%s\n' "$rest" | grep -q '^[[:space:]]*version[[:space:]]*='; then
    rest=$(printf 'version = 2\n%s' "$rest")
  fi
  if printf '%s\n' "$rest" | grep -q '^[[:space:]]*\[plugins\.\("io\.containerd\.grpc\.v1\.cri"\|cri\)[].]'; then
    if printf '%s\n' "$rest" | grep -q '^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*true'; then
      want=$rest
    else
      # A CRI section without the systemd cgroup driver (Debian's own configuration has one):
      # colima's replaces the configuration, which keeps its [grpc] section.
      grpc=$(printf '%s\n' "$rest" | awk '/^\[grpc\]/ { on = 1; print; next } /^[[:space:]]*\[/ { on = 0 } on')
      want=$(printf 'version = 2\n\n%s%s%s' "$grpc" "${grpc:+$nl$nl}" "$(cri_section "$@")")
    fi
  else
    want=$(printf '%s\n\n%s' "$rest" "$(cri_section "$@")")
  fi
  changed=0
  write_if_changed "$file" "$want"
  if [ "$changed" = 1 ] || ! systemctl is-active --quiet containerd.service; then
    buildkit=0
    systemctl is-active --quiet buildkit.service && buildkit=1
    if ! systemctl restart containerd.service 2>/dev/null; then
      why=$(unit_error containerd.service)
      fail "containerd did not start with its CRI plugin: ${why:-see 'sudo journalctl -u containerd.service'}"
    fi
    [ "$buildkit" = 0 ] || systemctl restart buildkit.service 2>/dev/null || true
  fi
  wait_for cri_ready || fail "containerd's CRI plugin did not start: $(ctr plugins ls 2>&1 | grep 'grpc.v1[[:space:]]*cri' || true)"
}

cri_ready() {
  ctr plugins ls 2>/dev/null | grep -q 'io\.containerd\.grpc\.v1[[:space:]]*cri[[:space:]].*[[:space:]]ok[[:space:]]*$'
}

# Kills the running containers of containerd's k8s.io namespace (docker: k8s_ containers).
kill_pods() {
  if systemctl is-active --quiet containerd.service && command -v ctr >/dev/null; then
    # The containers' first processes, killed at once: their shims report the exits.
    running=$(ctr -n k8s.io tasks ls 2>/dev/null | awk '$3 == "RUNNING" && $2 > 1 { print $2 }')
    tries=0
    while [ -n "$running" ] && [ "$tries" -lt 20 ]; do
      # shellcheck disable=SC2086
      kill -KILL $running 2>/dev/null || true
      sleep 0.5
      running=$(ctr -n k8s.io tasks ls 2>/dev/null | awk '$3 == "RUNNING" && $2 > 1 { print $2 }')
      tries=$((tries + 1))
    done
  fi
  if systemctl is-active --quiet docker.service && command -v docker >/dev/null; then
    names=$(docker ps --format '{{.Names}}' 2>/dev/null | grep '^k8s_' || true)
    # shellcheck disable=SC2086
    [ -z "$names" ] || docker kill $names >/dev/null 2>&1 || true
  fi
}

# Removes the containers of containerd's k8s.io namespace and their network namespaces.
remove_pods() {
  kill_pods
  if systemctl is-active --quiet containerd.service && command -v ctr >/dev/null; then
    for task in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -n k8s.io tasks delete -f "$task" >/dev/null 2>&1 || true
    done
    for container in $(ctr -n k8s.io containers ls -q 2>/dev/null); do
      ctr -n k8s.io containers delete "$container" >/dev/null 2>&1 || true
    done
    # The CRI plugin keeps its own list of sandboxes: it forgets them on a restart.
    buildkit=0
    systemctl is-active --quiet buildkit.service && buildkit=1
    systemctl restart containerd.service 2>/dev/null || true
    [ "$buildkit" = 0 ] || systemctl restart buildkit.service 2>/dev/null || true
  fi
  if systemctl is-active --quiet docker.service && command -v docker >/dev/null; then
    names=$(docker ps -a --format '{{.Names}}' 2>/dev/null | grep '^k8s_' || true)
    # shellcheck disable=SC2086
    [ -z "$names" ] || docker rm -f $names >/dev/null 2>&1 || true
  fi
  for netns in $(ip netns list 2>/dev/null | awk '$1 ~ /^cni-/ { print $1 }'); do
    ip netns delete "$netns" 2>/dev/null || true
  done
  ip link delete cni0 2>/dev/null || true
  ip link delete flannel.1 2>/dev/null || true
  rm -rf /run/colima-kubernetes /run/flannel /var/lib/cni/networks/cbr0 /var/lib/cni/flannel
  remove_cni_rules colima-kubernetes
  remove_cni_rules cbr0
}

# Removes the KUBE- and FLANNEL- chains and rules that kube-proxy, the kubelet and k3s's
# flannel made (others stay).
remove_kube_rules() {
  for family in iptables ip6tables; do
    command -v "$family-save" >/dev/null || continue
    rules=$("$family-save" 2>/dev/null) || continue
    case "$rules" in
      *KUBE-* | *FLANNEL-*)
        printf '%s\n' "$rules" | grep -v -e 'KUBE-' -e 'FLANNEL-' | "$family-restore" 2>/dev/null || true
        ;;
    esac
  done
}

# Removes the NAT rules that the CNI plugins made for pods of CNI network $1 whose containers
# were removed without them (the chains their rules jump to, too).
remove_cni_rules() {
  command -v iptables-save >/dev/null || return 0
  rules=$(iptables-save -t nat 2>/dev/null) || return 0
  mine="name: \\\"$1\\\""
  case "$rules" in
    *"$mine"*) ;;
    *) return 0 ;;
  esac
  patterns=$(mktemp)
  {
    printf '%s\n' "$mine"
    printf '%s\n' "$rules" | grep -F -e "$mine" | sed -n 's/.* -j \(CNI-[A-Za-z0-9-]*\).*/\1/p' |
      grep -v -e '^CNI-HOSTPORT-' || true
  } >"$patterns"
  printf '%s\n' "$rules" | grep -v -F -f "$patterns" | iptables-restore 2>/dev/null || true
  rm -f "$patterns"
}

# Unmounts what the kubelet mounted below /var/lib/kubelet (and its data disk directory).
unmount_kubelet() {
  findmnt -rn -o TARGET | grep -e '^/var/lib/kubelet/' -e '^/mnt/lima-[^/]*/kubelet/' |
    sort -r | while read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || true
  done
}

# --- installed, install ---------------------------------------------------------------------

# Where the data disk keeps $1 (a directory below /var/lib) before it is bind-mounted.
data_path() {
  if [ -n "$data" ] && mountpoint -q "$data" && ! mountpoint -q "/var/lib/$1"; then
    echo "$data/$1"
  else
    echo "/var/lib/$1"
  fi
}

bundle_complete() {
  [ -s "$1/manifest.json" ] || return 1
  for program in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl etcd; do
    [ -x "$1/bin/$program" ] || return 1
  done
  [ -s "$1/images/pause.tar" ] && [ -s "$1/images/coredns.tar" ]
}

action_installed() {
  [ $# -eq 3 ] || fail "usage: installed DATA_MOUNT DIST VERSION"
  data=$1 dist=$2 version=$3
  check_dist "$dist"
  check_version "$version"
  if [ "$dist" = kubernetes ]; then
    bundle_complete "$(data_path colima-kubernetes)/versions/$version"
  else
    [ -x /usr/local/bin/k3s ] && /usr/local/bin/k3s --version 2>/dev/null | grep -qF "$version"
  fi
}

action_install() {
  [ $# -ge 4 ] || fail "usage: install DATA_MOUNT DIST VERSION FILE..."
  data=$1 dist=$2 version=$3
  shift 3
  check_dist "$dist"
  check_version "$version"
  for file in "$@"; do
    [ -f "$file" ] || fail "the file '$file' to install is not in the guest"
  done
  # shellcheck disable=SC2046
  use_data_disk "$data" $(data_dirs "$dist")
  if [ "$dist" = kubernetes ]; then
    [ $# -eq 1 ] || fail "usage: install DATA_MOUNT kubernetes VERSION BUNDLE_TAR"
    target=$kube/versions/$version
    next=$kube/versions/.$version.new
    rm -rf "$next"
    mkdir -p "$next"
    if ! out=$(tar -xf "$1" -C "$next" --no-same-owner 2>&1); then
      rm -rf "$next"
      fail "the Kubernetes bundle '$1' did not unpack: $(printf '%s\n' "$out" | tail -n 1)"
    fi
    if ! bundle_complete "$next"; then
      rm -rf "$next"
      fail "the Kubernetes bundle '$1' lacks bin/, images/ or manifest.json"
    fi
    bundled=$(manifest_value "$next/manifest.json" kubernetes)
    arch=$(manifest_value "$next/manifest.json" arch)
    if [ "$bundled" != "$version" ]; then
      rm -rf "$next"
      fail "the Kubernetes bundle '$1' holds version '$bundled', not '$version'"
    fi
    if [ -n "$arch" ] && [ "$arch" != "$(uname -m)" ]; then
      rm -rf "$next"
      fail "the Kubernetes bundle '$1' is built for '$arch', the guest is '$(uname -m)'"
    fi
    rm -rf "$target"
    mv "$next" "$target"
    rm -f "$1"
  else
    [ $# -le 2 ] || fail "usage: install DATA_MOUNT k3s VERSION K3S_BINARY [AIRGAP_ARCHIVE]"
    install -m 0755 "$1" /usr/local/bin/k3s
    reported=$(/usr/local/bin/k3s --version 2>/dev/null | head -n 1 || true)
    case "$reported" in
      *"$version"*) ;;
      *) fail "the k3s binary reports '$reported', not version '$version'" ;;
    esac
    rm -f "$1"
    if [ $# -eq 2 ]; then
      case "$2" in
        *.tar | *.tar.gz | *.tar.zst) ;;
        *) fail "the k3s air-gap archive '$2' is no .tar, .tar.gz or .tar.zst" ;;
      esac
      mkdir -p "$k3s_images"
      rm -f "$k3s_images"/*.tar "$k3s_images"/*.tar.gz "$k3s_images"/*.tar.zst "$k3s_images/.colima-imported"
      mv "$2" "$k3s_images/"
    fi
  fi
}

# --- start: kubernetes ------------------------------------------------------------------------

# A private key $1 (EC P-256) unless there is one.
make_key() {
  [ -s "$1" ] && return 0
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.new" 2>/dev/null ||
    fail "openssl could not make the key '$1'"
  chmod 0600 "$1.new"
  mv "$1.new" "$1"
}

# Makes certificate authority pki/$1 named $2 unless there is one; a new cluster CA (ca)
# makes every certificate it signed be issued again.
make_ca() {
  [ -s "$pki/$1.crt" ] && [ -s "$pki/$1.key" ] && return 0
  [ "$1" != ca ] || rm -f "$pki"/*
  make_key "$pki/$1.key"
  printf '[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier = hash\n' >"$pki/$1.ext"
  if ! openssl req -new -key "$pki/$1.key" -subj "/CN=$2" -out "$pki/$1.csr" 2>/dev/null ||
    ! openssl x509 -req -in "$pki/$1.csr" -signkey "$pki/$1.key" -days 3650 -sha256 \
      -extfile "$pki/$1.ext" -extensions ca -out "$pki/$1.crt" 2>/dev/null; then
    fail "openssl could not make the certificate authority '$1'"
  fi
  rm -f "$pki/$1.csr" "$pki/$1.ext"
}

# Issues certificate pki/$2.crt signed by authority pki/$1 for subject $3 (client or server:
# $4; server names: $5), unless the one there was issued for the same.
issue() {
  spec="$1|$3|$4|${5:-}"
  have=""
  [ ! -s "$pki/$2.spec" ] || IFS= read -r have <"$pki/$2.spec" || true
  [ -s "$pki/$2.crt" ] && [ "$have" = "$spec" ] && return 0
  make_key "$pki/$2.key"
  {
    printf '[ext]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n'
    printf 'extendedKeyUsage = %sAuth\n' "$4"
    [ -z "${5:-}" ] || printf 'subjectAltName = %s\n' "$5"
  } >"$pki/$2.ext"
  if ! openssl req -new -key "$pki/$2.key" -subj "$3" -out "$pki/$2.csr" 2>/dev/null ||
    ! openssl x509 -req -in "$pki/$2.csr" -CA "$pki/$1.crt" -CAkey "$pki/$1.key" \
      -CAcreateserial -CAserial "$pki/$1.srl" -days 3650 -sha256 \
      -extfile "$pki/$2.ext" -extensions ext -out "$pki/$2.crt" 2>/dev/null; then
    fail "openssl could not issue the certificate '$2'"
  fi
  rm -f "$pki/$2.csr" "$pki/$2.ext"
  printf '%s\n' "$spec" >"$pki/$2.spec"
  certs_changed=1
}

# The cluster's certificates, made once and kept; certs_changed=1 when one was (re)issued.
make_certificates() {
  pki=$kube/pki
  certs_changed=0
  mkdir -p "$pki"
  chmod 0700 "$pki"
  make_ca ca colima-kubernetes-ca
  # The aggregation layer's own authority: whoever holds a certificate of it may name users.
  make_ca front-proxy-ca colima-kubernetes-front-proxy-ca
  make_key "$pki/sa.key"
  [ -s "$pki/sa.pub" ] || openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null ||
    fail "openssl could not write the service account public key"
  issue ca apiserver /CN=kube-apiserver server \
    "IP:127.0.0.1,IP:$node_ip,IP:$service_ip,DNS:localhost,DNS:$node_name,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$cluster_domain"
  issue ca etcd /CN=etcd server "IP:127.0.0.1,DNS:localhost"
  issue ca apiserver-etcd-client /CN=kube-apiserver-etcd-client client
  issue ca apiserver-kubelet-client /O=system:masters/CN=kube-apiserver-kubelet-client client
  issue front-proxy-ca front-proxy-client /CN=front-proxy-client client
  issue ca admin /O=system:masters/CN=kubernetes-admin client
  issue ca kubelet "/O=system:nodes/CN=system:node:$node_name" client
  issue ca controller-manager /CN=system:kube-controller-manager client
  issue ca scheduler /CN=system:kube-scheduler client
  issue ca kube-proxy /CN=system:kube-proxy client
}

# The kubeconfig of client certificate pki/$1 for the API server on 127.0.0.1:$port.
kubeconfig_text() {
  printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: default\n  cluster:\n'
  printf '    server: https://127.0.0.1:%s\n' "$port"
  printf '    certificate-authority-data: %s\n' "$ca_data"
  printf 'users:\n- name: default\n  user:\n'
  printf '    client-certificate-data: %s\n' "$(base64 -w0 "$pki/$1.crt")"
  printf '    client-key-data: %s\n' "$(base64 -w0 "$pki/$1.key")"
  printf 'contexts:\n- name: default\n  context:\n    cluster: default\n    user: default\n'
  printf 'current-context: default'
}

# Writes unit $1.service for program $2 with arguments $3... (extra arguments come last),
# marking the unit for a restart when it or its configuration ($restart_unit) changed.
write_unit() {
  name=$1
  shift
  # kube-apiserver closes its port at once on SIGTERM, yet may take over 15 s to exit.
  stop_timeout=10
  [ "$name" != kube-apiserver ] || stop_timeout=5
  case "$name" in
    etcd) head='Description=etcd for colima Kubernetes' service='Type=notify' ;;
    kube-apiserver) head='Description=Kubernetes API server (colima)
After=etcd.service' service='Type=simple' ;;
    kubelet) head='Description=Kubernetes node agent (colima)
After=kube-apiserver.service containerd.service' service='Type=simple' ;;
    *) head="Description=Kubernetes $name (colima)
After=kube-apiserver.service" service='Type=simple' ;;
  esac
  text=$(printf '[Unit]\n%s\n\n[Service]\n%s\n%s\nRestart=on-failure\nRestartSec=2\nTimeoutStopSec=%s\nLimitNOFILE=1048576\n' \
    "$head" "$service" "$(exec_start "$@")" "$stop_timeout")
  changed=0
  write_if_changed "/etc/systemd/system/$name.service" "$text"
  [ "$changed" = 0 ] || { reload=1 restart_unit=1; }
  [ "$restart_unit" = 0 ] || restart="$restart $name.service"
}

write_units() {
  version_dir=$kube/versions/$version
  bin=$version_dir/bin
  reload=0 restart=""
  old_ifs=$IFS
  IFS=$nl
  set -f

  restart_unit=0
  write_unit etcd "$bin/etcd" --name=default "--data-dir=$kube/etcd" \
    --listen-client-urls=https://127.0.0.1:2379 --advertise-client-urls=https://127.0.0.1:2379 \
    --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
    --initial-cluster=default=http://127.0.0.1:2380 --client-cert-auth \
    "--trusted-ca-file=$pki/ca.crt" "--cert-file=$pki/etcd.crt" "--key-file=$pki/etcd.key"

  restart_unit=$certs_changed
  # shellcheck disable=SC2086
  write_unit kube-apiserver "$bin/kube-apiserver" "--advertise-address=$node_ip" \
    --bind-address=0.0.0.0 "--secure-port=$port" --allow-privileged=true \
    --anonymous-auth=true --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    "--client-ca-file=$pki/ca.crt" "--tls-cert-file=$pki/apiserver.crt" \
    "--tls-private-key-file=$pki/apiserver.key" --etcd-servers=https://127.0.0.1:2379 \
    "--etcd-cafile=$pki/ca.crt" "--etcd-certfile=$pki/apiserver-etcd-client.crt" \
    "--etcd-keyfile=$pki/apiserver-etcd-client.key" \
    "--kubelet-client-certificate=$pki/apiserver-kubelet-client.crt" \
    "--kubelet-client-key=$pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP,Hostname \
    "--service-account-issuer=https://kubernetes.default.svc.$cluster_domain" \
    "--service-account-key-file=$pki/sa.pub" "--service-account-signing-key-file=$pki/sa.key" \
    "--service-cluster-ip-range=$service_cidr" "--requestheader-client-ca-file=$pki/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group --requestheader-extra-headers-prefix=X-Remote-Extra- \
    "--proxy-client-cert-file=$pki/front-proxy-client.crt" \
    "--proxy-client-key-file=$pki/front-proxy-client.key" $apiserver_args

  restart_unit=0
  changed=0
  write_if_changed "$kube/controller-manager.kubeconfig" "$(kubeconfig_text controller-manager)"
  restart_unit=$changed
  # shellcheck disable=SC2086
  write_unit kube-controller-manager "$bin/kube-controller-manager" \
    "--kubeconfig=$kube/controller-manager.kubeconfig" --secure-port=0 --leader-elect=false --use-service-account-credentials=true \
    "--cluster-signing-cert-file=$pki/ca.crt" "--cluster-signing-key-file=$pki/ca.key" \
    "--root-ca-file=$pki/ca.crt" "--service-account-private-key-file=$pki/sa.key" \
    "--service-cluster-ip-range=$service_cidr" "--cluster-cidr=$cluster_cidr" $controller_args

  changed=0
  write_if_changed "$kube/scheduler.kubeconfig" "$(kubeconfig_text scheduler)"
  restart_unit=$changed
  # shellcheck disable=SC2086
  write_unit kube-scheduler "$bin/kube-scheduler" "--kubeconfig=$kube/scheduler.kubeconfig" \
    --secure-port=0 --leader-elect=false $scheduler_args

  changed=0
  write_if_changed "$kube/kubelet.kubeconfig" "$(kubeconfig_text kubelet)"
  write_if_changed "$kube/kubelet-config.yaml" "$(kubelet_config)"
  restart_unit=$changed
  # shellcheck disable=SC2086
  write_unit kubelet "$bin/kubelet" "--config=$kube/kubelet-config.yaml" \
    "--kubeconfig=$kube/kubelet.kubeconfig" "--hostname-override=$node_name" \
    "--node-ip=$node_ip" $kubelet_args

  changed=0
  write_if_changed "$kube/kube-proxy.kubeconfig" "$(kubeconfig_text kube-proxy)"
  restart_unit=$changed
  # shellcheck disable=SC2086
  write_unit kube-proxy "$bin/kube-proxy" "--kubeconfig=$kube/kube-proxy.kubeconfig" \
    --proxy-mode=iptables "--cluster-cidr=$cluster_cidr" "--hostname-override=$node_name" \
    --conntrack-max-per-core=0 --healthz-bind-address=127.0.0.1:10256 \
    --metrics-bind-address=127.0.0.1:10249 $proxy_args

  IFS=$old_ifs
  set +f
  [ "$reload" = 0 ] || systemctl daemon-reload
}

kubelet_config() {
  cat <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: false
  x509:
    clientCAFile: $pki/ca.crt
authorization:
  mode: AlwaysAllow
cgroupDriver: systemd
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
clusterDNS:
- $cluster_dns
clusterDomain: $cluster_domain
failSwapOn: false
resolvConf: $(upstream_resolv_conf)
rotateCertificates: false
serializeImagePulls: false
EOF
}

# The pods' network: a bridge with masquerading, host ports, and the firewall plugin, which
# accepts the pods' traffic in the FORWARD chain (docker sets its policy to DROP).
cni_conflist() {
  cat <<EOF
{
  "cniVersion": "1.0.0",
  "name": "colima-kubernetes",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "/run/colima-kubernetes/ipam",
        "ranges": [[{ "subnet": "$pod_subnet" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall" }
  ]
}
EOF
}

coredns_manifest() {
  cat <<EOF
apiVersion: v1
kind: ServiceAccount
metadata:
  name: coredns
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:coredns
  labels:
    kubernetes.io/bootstrapping: rbac-defaults
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:coredns
  labels:
    kubernetes.io/bootstrapping: rbac-defaults
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:coredns
subjects:
- kind: ServiceAccount
  name: coredns
  namespace: kube-system
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health {
            lameduck 5s
        }
        ready
        hosts {
            $node_ip $node_name
            fallthrough
        }
        kubernetes $cluster_domain in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 30
        }
        prometheus :9153
        forward . /etc/resolv.conf
        cache 30
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
    kubernetes.io/name: CoreDNS
spec:
  replicas: 1
  selector:
    matchLabels:
      k8s-app: kube-dns
  template:
    metadata:
      labels:
        k8s-app: kube-dns
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      nodeSelector:
        kubernetes.io/os: linux
      tolerations:
      - key: CriticalAddonsOnly
        operator: Exists
      containers:
      - name: coredns
        image: $coredns_image
        imagePullPolicy: IfNotPresent
        args: [-conf, /etc/coredns/Corefile]
        resources:
          limits:
            memory: 170Mi
          requests:
            cpu: 100m
            memory: 70Mi
        ports:
        - {name: dns, containerPort: 53, protocol: UDP}
        - {name: dns-tcp, containerPort: 53, protocol: TCP}
        - {name: metrics, containerPort: 9153, protocol: TCP}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities:
            add: [NET_BIND_SERVICE]
            drop: [ALL]
        livenessProbe:
          httpGet: {path: /health, port: 8080}
          initialDelaySeconds: 60
          timeoutSeconds: 5
          failureThreshold: 5
        readinessProbe:
          httpGet: {path: /ready, port: 8181}
        volumeMounts:
        - {name: config-volume, mountPath: /etc/coredns, readOnly: true}
      volumes:
      - name: config-volume
        configMap:
          name: coredns
          items:
          - {key: Corefile, path: Corefile}
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
    kubernetes.io/cluster-service: "true"
    kubernetes.io/name: CoreDNS
spec:
  selector:
    k8s-app: kube-dns
  clusterIP: $cluster_dns
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
  - {name: metrics, port: 9153, protocol: TCP}
EOF
}

# Starts the named units, or fails with the error of the first that did not start.
start_units() {
  # shellcheck disable=SC2046
  systemctl start $(printf '%s.service ' "$@") 2>/dev/null && return 0
  for unit in "$@"; do
    if ! systemctl is-active --quiet "$unit.service"; then
      why=$(unit_error "$unit.service")
      [ -n "$why" ] || why="see 'sudo journalctl -u $unit.service'"
      fail "$unit did not start: $why"
    fi
  done
}

kubectl_admin() {
  "$kube/versions/$version/bin/kubectl" --kubeconfig "$kube/admin.kubeconfig" --request-timeout=10s "$@"
}

# Prints the API server's answer to GET $1 (status line first), asked as the admin over TLS
# with openssl: the waits below ask every second, and a kubectl costs 2-3 s of CPU under
# emulation (a kubectl always running took one of the guest's two CPUs from the starting API
# server), openssl about 0.5 s. The port is the admin kubeconfig's.
api_get() {
  api_port=$(sed -n 's|^ *server: https://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$kube/admin.kubeconfig" 2>/dev/null)
  [ -n "$api_port" ] || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" |
    timeout 10 openssl s_client -quiet -verify_quiet -verify_return_error \
      -connect "127.0.0.1:$api_port" -CAfile "$kube/pki/ca.crt" \
      -cert "$kube/pki/admin.crt" -key "$kube/pki/admin.key" 2>/dev/null
}

# The status line of an answer read on stdin is 200.
answer_ok() { head -n 1 | grep -q '^HTTP/1\.[01] 200 '; }

api_ready() { api_get /readyz | answer_ok; }

# The API encodes a node condition's fields in their declared order: type, then status.
node_ready() {
  answer=$(api_get "/api/v1/nodes/$node_name") || true
  printf '%s\n' "$answer" | answer_ok || return 1
  case "$answer" in
    *'"type":"Ready","status":"True"'*) return 0 ;;
  esac
  return 1
}

# Imports image archive $2 into containerd's k8s.io namespace unless reference $1 is there.
import_image() {
  ctr -n k8s.io images ls -q 2>/dev/null | grep -qxF "$1" && return 0
  out=$(ctr -n k8s.io images import --local "$2" 2>&1) ||
    fail "containerd did not import '$2': $(printf '%s\n' "$out" | tail -n 1)"
  ctr -n k8s.io images ls -q 2>/dev/null | grep -qxF "$1" ||
    fail "the image archive '$2' holds no image '$1'"
}

# containerd 1.7's CRI plugin learns of an image from the image service's events. ctr's import
# without --local, and nerdctl 2's load, build and pull, go through containerd's transfer
# service, which announces nothing: the kubelet would not see such an image (ErrImageNeverPull)
# until containerd restarts. colima's nerdctl in /usr/local/sbin (before /usr/local/bin on
# root's PATH and sudo's) runs the guest image's nerdctl, then labels each image of the k8s.io
# namespace that the CRI plugin has not labelled as its own, which announces it.
nerdctl_wrapper='/usr/local/sbin/nerdctl'
nerdctl_real() {
  for candidate in /usr/local/bin/nerdctl /usr/bin/nerdctl; do
    [ ! -x "$candidate" ] || { printf '%s\n' "$candidate"; return 0; }
  done
  return 1
}
nerdctl_wrapper_text() {
  sed "s|^REAL |$1 |" <<'WRAPPER'
#!/bin/sh
# colima: the guest's nerdctl, then images of the k8s.io namespace announced to containerd's
# CRI plugin (nerdctl imports through containerd's transfer service, which announces nothing).
REAL "$@"
status=$?
if [ "$(id -u)" = 0 ] && { [ -e /etc/systemd/system/kubelet.service ] || [ -e /etc/systemd/system/k3s.service ]; }; then
  ctr -n k8s.io images ls 2>/dev/null |
    awk 'NR > 1 && $NF !~ /(^|,)io\.cri-containerd\.image=managed(,|$)/ { print $1 }' |
    while read -r ref; do
      ctr -n k8s.io images label "$ref" io.cri-containerd.image=managed >/dev/null 2>&1 || true
    done
fi
exit "$status"
WRAPPER
}

install_nerdctl_wrapper() {
  real=$(nerdctl_real) || return 0
  changed=0
  write_if_changed "$nerdctl_wrapper" "$(nerdctl_wrapper_text "$real")"
  chmod 0755 "$nerdctl_wrapper"
}

# Runs "$@" every second until it succeeds, for at most $1 seconds of the clock (a check
# itself can take seconds on a loaded host: counting tries would wait far longer than meant).
# The API server and node get 900 s: a start beside two other VMs and builds on 2 cores took
# 430 s from its units' start to a Ready node (2026-12-04).
wait_long() {
  deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 1
  done
}

# Applies manifest $1; an API server that has just become ready can still time out a request
# on a loaded host, so it tries for up to 2 minutes, every 2 s rather than wait_long's half second
# (each try starts kubectl, seconds of CPU under emulation). No client-side validation: it would
# fetch the whole OpenAPI document first, a slow request that adds nothing for colima's manifest.
apply_manifest() {
  deadline=$(($(date +%s) + 120))
  until out=$(kubectl_admin apply --validate=false -f "$1" 2>&1); do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 2
  done
}

start_kubernetes() {
  parse_k3s_args "$@"
  use_data_disk "$data" colima-kubernetes kubelet
  version_dir=$kube/versions/$version
  bundle_complete "$version_dir" || fail "Kubernetes '$version' is not installed in the guest"
  [ -n "$node_name" ] || node_name=$(host_node_name)
  node_address
  manifest=$version_dir/manifest.json
  pause_image=$(manifest_image "$manifest" pause)
  coredns_image=$(manifest_image "$manifest" coredns)
  for ref in "$pause_image" "$coredns_image"; do
    case "$ref" in
      '' | *[!A-Za-z0-9./:_@-]*) fail "the bundle's manifest.json names no valid image reference ('$ref')" ;;
    esac
  done

  modprobe br_netfilter 2>/dev/null || modprobe bridge 2>/dev/null || true
  modprobe overlay 2>/dev/null || true
  sysctl -q -w net.ipv4.ip_forward=1 >/dev/null 2>&1 || true
  sysctl -q -w net.bridge.bridge-nf-call-iptables=1 >/dev/null 2>&1 ||
    fail "the guest kernel has no bridge netfilter (modprobe br_netfilter failed)"
  sysctl -q -w net.bridge.bridge-nf-call-ip6tables=1 >/dev/null 2>&1 || true

  changed=0
  write_if_changed /etc/cni/net.d/10-colima.conflist "$(cni_conflist)"
  ensure_cri "$pause_image" /usr/lib/cni /etc/cni/net.d
  install_nerdctl_wrapper
  import_image "$pause_image" "$version_dir/images/pause.tar"
  # colima's containerd configuration names the sandbox image by one fixed reference.
  ctr -n k8s.io images tag --force "$pause_image" colima.local/kubernetes/pause:sandbox >/dev/null 2>&1 ||
    fail "containerd could not tag the pause image '$pause_image'"
  [ "$no_coredns" = 1 ] || import_image "$coredns_image" "$version_dir/images/coredns.tar"

  mkdir -p "$kube/etcd"
  chmod 0700 "$kube" "$kube/etcd"
  chmod 0755 "$kube/versions"
  make_certificates
  ca_data=$(base64 -w0 "$pki/ca.crt")
  changed=0
  write_if_changed "$kube/admin.kubeconfig" "$(kubeconfig_text admin)"
  chmod 0600 "$kube"/*.kubeconfig 2>/dev/null || true
  was_running=0
  # shellcheck disable=SC2086
  systemctl is-active --quiet $services && was_running=1
  write_units
  # shellcheck disable=SC2086
  [ -z "$restart" ] || systemctl try-restart $restart 2>/dev/null || true
  # The controller manager gives up when the API server is not healthy within 10 s: it
  # starts once the API server is ready.
  start_units etcd kube-apiserver kubelet kube-proxy
  printf '%s\n' "$version" >"$kube/current-version"

  # A cluster that was running and whose node is Ready (checked once) is left as it was.
  node_checked=0
  if [ "$was_running" = 1 ] && [ -z "$restart" ] && node_ready; then
    node_checked=1
  elif ! wait_long 900 api_ready; then
    why=""
    for unit in kube-apiserver etcd; do
      systemctl is-active --quiet "$unit.service" || why=$(unit_error "$unit.service")
    done
    why=${why:-$(unit_error kube-apiserver.service)}
    fail "the Kubernetes API server did not become ready: ${why:-see 'sudo journalctl -u kube-apiserver.service'}"
  fi
  start_units kube-controller-manager kube-scheduler

  applied=$kube/coredns.applied.yaml
  if [ "$no_coredns" = 1 ]; then
    if [ -f "$applied" ]; then
      kubectl_admin delete --ignore-not-found -f "$applied" >/dev/null 2>&1 || true
      rm -f "$applied"
    fi
  else
    coredns_manifest >"$kube/coredns.yaml"
    if ! cmp -s "$kube/coredns.yaml" "$applied"; then
      apply_manifest "$kube/coredns.yaml" ||
        fail "CoreDNS was not applied: $(printf '%s\n' "$out" | tail -n 1)"
      mv "$kube/coredns.yaml" "$applied"
    fi
  fi

  if [ "$node_checked" = 0 ] && ! wait_long 900 node_ready; then
    why=$(unit_error kubelet.service)
    fail "the Kubernetes node '$node_name' did not become Ready: ${why:-see 'sudo journalctl -u kubelet.service'}"
  fi
  for other in "$kube"/versions/*; do
    [ "$other" = "$version_dir" ] || rm -rf "$other"
  done
}

# --- start: k3s --------------------------------------------------------------------------------

# Imports the air-gap archive into the runtime once (k3s imports it only into its own
# containerd).
import_airgap() {
  archive=""
  for file in "$k3s_images"/*.tar "$k3s_images"/*.tar.gz "$k3s_images"/*.tar.zst; do
    [ -f "$file" ] && archive=$file
  done
  [ -n "$archive" ] || return 0
  mark="$runtime $(basename "$archive") $(stat -c %s "$archive")"
  [ "$(cat "$k3s_images/.colima-imported" 2>/dev/null)" != "$mark" ] || return 0
  case "$archive" in
    *.gz) decompress="gzip -dc" ;;
    *.zst) decompress="zstd -dcq" ;;
    *) decompress="cat" ;;
  esac
  if [ "$runtime" = docker ]; then
    # shellcheck disable=SC2086
    $decompress "$archive" | docker load >/dev/null 2>&1 ||
      fail "docker did not load the k3s air-gap images from '$archive'"
  else
    # shellcheck disable=SC2086
    $decompress "$archive" | ctr -n k8s.io images import --local --all-platforms - >/dev/null 2>&1 ||
      fail "containerd did not import the k3s air-gap images from '$archive'"
  fi
  printf '%s\n' "$mark" >"$k3s_images/.colima-imported"
}

k3s_ready() { /usr/local/bin/k3s kubectl get --raw /readyz >/dev/null 2>&1; }

k3s_node_ready() {
  [ "$(/usr/local/bin/k3s kubectl get node "$node_name" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

start_k3s() {
  use_data_disk "$data" rancher kubelet
  [ -x /usr/local/bin/k3s ] || fail "k3s '$version' is not installed in the guest"
  node_address
  node_name=$(hostname | tr '[:upper:]' '[:lower:]')
  own_iface=0 own_cgroup=0 prev=""
  for arg in "$@"; do
    case "$arg" in
      --flannel-iface | --flannel-iface=*) own_iface=1 ;;
      *cgroup-driver=*) own_cgroup=1 ;;
      --node-name=*) node_name=${arg#--node-name=} ;;
    esac
    [ "$prev" != --node-name ] || node_name=$arg
    prev=$arg
  done
  import_airgap
  if [ "$runtime" = containerd ]; then
    # The air-gap images' pause image; k3s's flannel and its CNI programs live in k3s's own
    # directories.
    pause=$(ctr -n k8s.io images ls -q 2>/dev/null | grep '/rancher/mirrored-pause:' | head -n 1 || true)
    mkdir -p /var/lib/rancher/k3s/agent/etc/cni/net.d
    ensure_cri "$pause" /var/lib/rancher/k3s/data/current/bin /var/lib/rancher/k3s/agent/etc/cni/net.d
  fi
  set -- server --write-kubeconfig-mode 644 "$@" --advertise-address "$node_ip"
  [ "$own_iface" = 1 ] || set -- "$@" --flannel-iface "$node_dev"
  if [ "$runtime" = docker ]; then
    set -- "$@" --docker
  else
    set -- "$@" --container-runtime-endpoint unix:///run/containerd/containerd.sock
  fi
  # containerd runs runc under the systemd cgroup driver (cri_section); docker on cgroup v2 too.
  [ "$own_cgroup" = 1 ] || set -- "$@" --kubelet-arg=cgroup-driver=systemd
  set -- "$@" --https-listen-port "$port"
  text=$(printf '%s\n' '[Unit]' 'Description=Lightweight Kubernetes (colima)' \
    'Wants=network-online.target' 'After=network-online.target containerd.service docker.service' \
    '' '[Service]' 'Type=notify' 'KillMode=process' 'Delegate=yes' 'LimitNOFILE=1048576' \
    'LimitNPROC=infinity' 'LimitCORE=infinity' 'TasksMax=infinity' 'TimeoutStartSec=600' \
    'TimeoutStopSec=10' 'Restart=always' 'RestartSec=5s' \
    'ExecStartPre=-/sbin/modprobe br_netfilter' 'ExecStartPre=-/sbin/modprobe overlay' \
    "$(exec_start /usr/local/bin/k3s "$@")")
  changed=0
  write_if_changed /etc/systemd/system/k3s.service "$text"
  if [ "$changed" = 1 ]; then
    systemctl daemon-reload
    systemctl try-restart k3s.service 2>/dev/null || true
  fi
  if ! systemctl start k3s.service 2>/dev/null; then
    why=$(unit_error k3s.service)
    fail "k3s did not start: ${why:-see 'sudo journalctl -u k3s.service'}"
  fi
  wait_long 900 k3s_ready || fail "the k3s API server did not become ready: $(unit_error k3s.service)"
  wait_long 900 k3s_node_ready ||
    fail "the k3s node '$node_name' did not become Ready: $(unit_error k3s.service)"
}

action_start() {
  [ $# -ge 5 ] || fail "usage: start DATA_MOUNT DIST VERSION RUNTIME PORT [K3S_ARG...]"
  data=$1 dist=$2 version=$3 runtime=$4 port=$5
  shift 5
  check_dist "$dist"
  check_version "$version"
  case "$runtime" in
    containerd | docker) ;;
    *) fail "Kubernetes needs the containerd or docker runtime, not '$runtime'" ;;
  esac
  case "$port" in
    '' | *[!0-9]* | 0*) fail "invalid Kubernetes API port '$port'" ;;
  esac
  [ "$port" -le 65535 ] || fail "invalid Kubernetes API port '$port'"
  for arg in "$@"; do
    case "$arg" in
      *"$nl"*) fail "k3s argument '$arg' holds a line break" ;;
    esac
  done
  if [ "$dist" = kubernetes ]; then
    start_kubernetes "$@"
  else
    start_k3s "$@"
  fi
}

# --- stop, delete, ready --------------------------------------------------------------------

action_stop() {
  [ $# -eq 1 ] || fail "usage: stop DIST"
  check_dist "$1"
  stop_units
  kill_pods
}

action_delete() {
  [ $# -eq 2 ] || fail "usage: delete DATA_MOUNT DIST"
  data=$1 dist=$2
  check_dist "$dist"
  # shellcheck disable=SC2046
  use_data_disk "$data" $(data_dirs "$dist")
  stop_units
  remove_pods
  unmount_kubelet
  if [ "$dist" = kubernetes ]; then
    version=$(cat "$kube/current-version" 2>/dev/null || true)
    if [ -n "$version" ] && [ -x "$kube/versions/$version/bin/kube-proxy" ]; then
      "$kube/versions/$version/bin/kube-proxy" --cleanup >/dev/null 2>&1 || true
    fi
    for unit in $units; do
      rm -f "/etc/systemd/system/$unit.service"
    done
    rm -f /etc/cni/net.d/10-colima.conflist
    rm -f "$nerdctl_wrapper"
    find "$kube" -mindepth 1 -maxdepth 1 ! -name versions -exec rm -rf {} +
  else
    rm -f /etc/systemd/system/k3s.service
    rm -rf /etc/rancher/k3s /var/lib/rancher/k3s/server
    if [ -d /var/lib/rancher/k3s/agent ]; then
      find /var/lib/rancher/k3s/agent -mindepth 1 -maxdepth 1 ! -name images -exec rm -rf {} +
    fi
  fi
  remove_kube_rules
  find /var/lib/kubelet -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null || true
  systemctl daemon-reload
}

action_ready() {
  [ $# -eq 1 ] || fail "usage: ready DIST"
  check_dist "$1"
  if [ "$1" = k3s ]; then
    k3s_ready
  else
    version=$(cat "$kube/current-version" 2>/dev/null) || return 1
    api_ready
  fi
}

action_running() {
  [ $# -eq 1 ] || fail "usage: running DIST"
  check_dist "$1"
  if [ "$1" = k3s ]; then
    systemctl is-active --quiet k3s.service
  else
    # shellcheck disable=SC2086
    systemctl is-active --quiet $services
  fi
}

action_kubeconfig() {
  [ $# -eq 1 ] || fail "usage: kubeconfig DIST"
  check_dist "$1"
  file=$kube/admin.kubeconfig
  [ "$1" = kubernetes ] || file=$k3s_config
  [ -s "$file" ] || fail "no Kubernetes admin kubeconfig: the cluster was not started"
  cat "$file"
}

# --- load: the runtime's images for pods -----------------------------------------------------

# Copies images from the runtime's store (docker's, or nerdctl's default namespace) into
# containerd's k8s.io namespace, which the kubelet reads.
action_load() {
  [ $# -ge 2 ] || fail "usage: load RUNTIME IMAGE..."
  runtime=$1
  shift
  case "$runtime" in
    docker | containerd) ;;
    *) fail "unknown runtime '$runtime' (valid: docker, containerd)" ;;
  esac
  for image in "$@"; do
    if [ "$runtime" = docker ]; then
      docker image inspect "$image" >/dev/null 2>&1 ||
        fail "docker has no image '$image': build or load it with docker first"
    else
      nerdctl --namespace default image inspect "$image" >/dev/null 2>&1 ||
        fail "containerd has no image '$image' in nerdctl's default namespace: build or load it with 'colima nerdctl' first"
    fi
  done
  archive=$(mktemp /var/tmp/colima-load-XXXXXX)
  if [ "$runtime" = docker ]; then
    out=$(docker save --output "$archive" "$@" 2>&1) || {
      rm -f "$archive"
      fail "docker could not save the images: $(printf '%s\n' "$out" | tail -n 1)"
    }
  else
    out=$(nerdctl --namespace default save --output "$archive" "$@" 2>&1) || {
      rm -f "$archive"
      fail "nerdctl could not save the images: $(printf '%s\n' "$out" | tail -n 1)"
    }
  fi
  out=$(ctr -n k8s.io images import --local "$archive" 2>&1) || {
    rm -f "$archive"
    fail "containerd did not import the images: $(printf '%s\n' "$out" | tail -n 1)"
  }
  rm -f "$archive"
}

[ $# -ge 1 ] || fail "usage: ACTION ARGS... (installed, install, start, stop, delete, ready, running, kubeconfig, load)"
action=$1
shift
case "$action" in
  installed) action_installed "$@" ;;
  install) action_install "$@" ;;
  start) action_start "$@" ;;
  stop) action_stop "$@" ;;
  delete) action_delete "$@" ;;
  ready) action_ready "$@" ;;
  running) action_running "$@" ;;
  kubeconfig) action_kubeconfig "$@" ;;
  load) action_load "$@" ;;
  *) fail "unknown Kubernetes action '$action'" ;;
esac
