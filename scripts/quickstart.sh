#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: sets up the machine, builds and installs colima,
# and runs `colima start` (docker runtime) as the ordinary user the setup created.
# Run as root (or as a user with sudo).
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
user=${COLIMA_DEV_USER:-colima}
work=${COLIMA_TEST_WORK:-/var/tmp/colima-test}

if [ "$(id -u)" -ne 0 ]; then
  exec sudo COLIMA_DEV_USER="$user" bash "$0" "$@"
fi
bash "$src/scripts/setup.sh"
rm -rf "$work/src" && mkdir -p "$work/src"
(cd "$src" && tar --exclude=./build -cf - .) | tar -xf - -C "$work/src"
chown -R "$user:" "$work"
runuser -u "$user" -- bash "$work/src/scripts/build.sh" "$work/build"
install -m 0755 "$work/build/colima" /usr/local/bin/colima
printf 'quickstart: running "colima start --runtime docker" as user %s\n' "$user" >&2
status=0
runuser -u "$user" -- env HOME="/home/$user" PATH=/usr/local/bin:/usr/bin:/bin colima start --runtime docker "$@" || status=$?
cat >&2 <<MSG

quickstart: to use the VM's docker engine as $user:
  runuser -u $user -- docker context use colima
  runuser -u $user -- docker ps
MSG
exit "$status"
