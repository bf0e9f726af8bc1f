#!/bin/sh
# Runs in the guest as root at every boot (a Lima `system` provision script). Sets the VM's
# hostname to $PARAM_COLIMA_HOSTNAME, a value colima passes as a Lima param, never as code.
set -eu
name=$PARAM_COLIMA_HOSTNAME
grep -qxF "127.0.0.1 $name" /etc/hosts || printf '127.0.0.1 %s\n' "$name" >>/etc/hosts
if [ "$(hostname)" != "$name" ]; then
  hostnamectl set-hostname "$name"
fi
