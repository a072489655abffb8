#!/bin/bash
# Provisions one VM of the Vagrant lab (run as root by `vagrant up`):
#
#   provision.sh client       the client
#   provision.sh lb N         the xlb host, in front of N backends
#   provision.sh backend I    backend I
#
# The network steps are scripts/lab-host.sh's, the ones the netns lab runs
# and `make test` exercises; the rest builds and installs xlb from the
# synced tree (/vagrant) and starts it through its systemd units.
# Rerunnable (`vagrant provision`): the lab NICs are reset first.
set -Eeuo pipefail

SRC=/vagrant
LAB_HOST=$SRC/scripts/lab-host.sh
BUILD_DIR=/var/tmp/xlb-build
WEB_ROOT=/srv/xlb-lab
# Virtual NICs may lack native XDP: generic mode works on every one.
export LAB_DECAP_MODE=skb
# The management NIC keeps the default route: backends reach the client
# network through the lb.
export LAB_BE_ROUTE4=198.18.0.0/24 LAB_BE_ROUTE6=2001:2::/64
XLBD_OPTS="--mode skb"

die() {
	echo "provision.sh: $*" >&2
	exit 1
}

# The lab NICs in the Vagrantfile's order: every device but lo and the
# management one (the default route's), by interface index.
lab_devs() {
	local mgmt
	mgmt=$(ip -j route show default | jq -r '.[0].dev')
	ip -j link show | jq -r --arg m "$mgmt" \
		'sort_by(.ifindex)[] | select(.ifname != "lo" and .ifname != $m) | .ifname'
}

# The n-th lab NIC (1-based), reset: down (its routes go), no addresses, up.
lab_dev() {
	local dev
	dev=$(lab_devs | sed -n "$1p")
	[ -n "$dev" ] || die "no lab NIC number $1 (the Vagrantfile declares them)"
	ip link set "$dev" down
	ip addr flush dev "$dev"
	ip link set "$dev" up
	echo "$dev"
}

install_xlb() {
	"$SRC/scripts/install-deps.sh"
	make -C "$SRC" BUILD="$BUILD_DIR" all
	make -C "$SRC" BUILD="$BUILD_DIR" install PREFIX=/usr/local
	systemctl daemon-reload
}

role_client() {
	"$LAB_HOST" client "$(lab_dev 1)"
}

role_lb() {
	local n=$1 front i
	install_xlb
	front=$(lab_dev 1)
	"$LAB_HOST" lb-front "$front"
	for ((i = 1; i <= n; i++)); do
		"$LAB_HOST" lb-back "$(lab_dev $((i + 1)))" "$i"
	done
	"$LAB_HOST" xlb-conf "$n" >"/etc/xlb/$front.conf"
	echo "XLBD_OPTS=\"$XLBD_OPTS\"" >"/etc/xlb/$front.env"
	systemctl enable "xlbd@$front"
	# a running xlbd keeps its state on restart: reload applies the file
	systemctl reload-or-restart "xlbd@$front"
}

role_backend() {
	local i=$1 dev
	install_xlb
	dev=$(lab_dev 1)
	XLB_DECAP=/usr/local/sbin/xlb-decap "$LAB_HOST" backend "$dev" "$i"
	mkdir -p "$WEB_ROOT"
	echo "backend $i ($(hostname))" >"$WEB_ROOT/index.html"
	systemctl stop xlb-lab-web 2>/dev/null || true
	systemd-run --unit xlb-lab-web python3 -m http.server 80 --bind :: --directory "$WEB_ROOT"
}

main() {
	[ -x "$LAB_HOST" ] || die "no $LAB_HOST: is the tree synced to $SRC?"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq ethtool curl >/dev/null
	case "${1:-}:$#" in
	client:1) role_client ;;
	lb:2) role_lb "$2" ;;
	backend:2) role_backend "$2" ;;
	*) die "usage: provision.sh client | lb N | backend I" ;;
	esac
}

main "$@"
