#!/bin/sh
# Updates a runtime's packages from the guest's Debian mirror and restarts its engine when
# anything changed; containers and images stay. colima runs it as root, values as arguments:
#   limactl shell <id> sudo sh -s -- SERVICE PACKAGE...   (this script on stdin)
# Prints "no updates available", or the package versions before and after.
set -eu
service=$1
shift
export DEBIAN_FRONTEND=noninteractive
versions() {
  dpkg-query -W -f '${Package} ${Version}\n' "$@" 2>/dev/null || true
}
before=$(versions "$@")
apt-get update -qq >/dev/null 2>&1 || {
  apt-get update -qq 2>&1 | tail -n 1 >&2
  exit 1
}
apt-get install -y -qq --only-upgrade -o Dpkg::Options::=--force-confold "$@" >/dev/null 2>&1 || {
  apt-get install -y -qq --only-upgrade -o Dpkg::Options::=--force-confold "$@" 2>&1 |
    tail -n 1 >&2
  exit 1
}
after=$(versions "$@")
if [ "$before" = "$after" ]; then
  echo "no updates available"
  exit 0
fi
systemctl restart "$service"
printf 'previous:\n%s\ncurrent:\n%s\n' "$before" "$after"
