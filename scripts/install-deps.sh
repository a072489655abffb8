#!/bin/sh
# Install every Debian package xlb needs to build, test and run its demo.
# Idempotent: installs only what is missing, through apt only.
set -eu

PKGS="
make gcc clang llvm pkg-config libclang-rt-14-dev
libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev linux-libc-dev
libmnl-dev libcurl4-openssl-dev libmicrohttpd-dev libcriterion-dev
iproute2 ethtool nftables curl python3 netcat-openbsd socat procps
openssl python3-grpcio jq
libsystemd-dev systemd man-db groff-base
debhelper dpkg-dev lintian
bird2
prometheus yq libncurses-dev tmux
wrk haproxy nginx tcpdump
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
