#!/bin/sh
# Runs in the guest as root at every boot (a Lima `system` provision script; Lima puts the user's
# name in place of {{.User}}). Makes the docker socket the Lima user's, so that Lima's SSH
# connections, opened before any group change could apply, can forward it to the host, where
# the forwarded socket is the user's alone.
set -eu
user="{{.User}}"
usermod -aG docker "$user" 2>/dev/null || true
conf=/etc/systemd/system/docker.socket.d/colima.conf
want=$(printf '[Socket]\nSocketUser=%s' "$user")
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
  mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$want" >"$conf"
  systemctl daemon-reload
  systemctl restart docker.socket docker.service
fi
