#!/bin/bash
# One host of the xlb lab, by role: the steps scripts/lab.sh runs in each of
# its namespaces, and vagrant/provision.sh runs on each VM, so the two labs
# cannot drift apart.
#
#   scripts/lab-host.sh client DEV         the client: addresses, routes to the
#                                          VIPs via the lb, tx checksum offload off
#   scripts/lab-host.sh lb-front DEV       the lb's client side: addresses,
#                                          forwarding on, no reverse-path filter
#   scripts/lab-host.sh lb-back DEV I      the lb's side of backend I's link
#   scripts/lab-host.sh backend DEV I [NAME]
#                                          backend I: addresses, MTU, routes
#                                          via the lb, VIPs on lo
#                                          (xlb-decap prepare), decap on DEV
#                                          (xlb-decap attach, pins named NAME)
#   scripts/lab-host.sh xlb-conf N         prints xlb's configuration for N
#                                          backends (xlb.conf(5))
#
# Addresses (backend I in 1..99):
#   client       198.18.0.1/24      2001:2::1/64
#   lb front     198.18.0.254/24    2001:2::fe/64
#   lb back I    198.19.I.254/24    2001:2:1II::fe/64   MTU LAB_MTU
#   backend I    198.19.I.1/24      2001:2:1II::1/64    MTU LAB_MTU
#
# Settings (environment):
#   LAB_VIP4      IPv4 VIPs, space-separated               [198.18.1.10]
#   LAB_VIP6      IPv6 VIPs                                [2001:2:1::10]
#   LAB_VIP4_NET, LAB_VIP6_NET  the client's routes to the VIPs
#                                          [198.18.1.0/24, 2001:2:1::/64]
#   LAB_LB_SRC4   prefix of the lb's outer IPv4 source     [198.18.0.240/28]
#   LAB_LB_SRC6   same for IPv6                            [2001:2::f0/124]
#   LAB_MTU       lb<->backend MTU: 1500 + IPv6 encap overhead [1540]
#   LAB_DECAP_MODE native or skb                           [native]
#   LAB_BE_ROUTE4, LAB_BE_ROUTE6  what a backend routes via the lb: its
#                 replies to the clients            [default, default]
#   XLB_DECAP     the xlb-decap binary                     [xlb-decap]
#
# Sourced (by lab.sh), it only defines the lab_* functions; each takes first
# the command prefix that runs a command on the host: "" on a host of its
# own, "in_ns NS" in the netns lab.
set -Eeuo pipefail

LAB_VIP4=${LAB_VIP4:-198.18.1.10}
LAB_VIP6=${LAB_VIP6:-2001:2:1::10}
LAB_VIP4_NET=${LAB_VIP4_NET:-198.18.1.0/24}
LAB_VIP6_NET=${LAB_VIP6_NET:-2001:2:1::/64}
LAB_LB_SRC4=${LAB_LB_SRC4:-198.18.0.240/28}
LAB_LB_SRC6=${LAB_LB_SRC6:-2001:2::f0/124}
LAB_MTU=${LAB_MTU:-1540}
LAB_DECAP_MODE=${LAB_DECAP_MODE:-native}
LAB_BE_ROUTE4=${LAB_BE_ROUTE4:-default}
LAB_BE_ROUTE6=${LAB_BE_ROUTE6:-default}
XLB_DECAP=${XLB_DECAP:-xlb-decap}

LAB_CLIENT4=198.18.0.1
LAB_CLIENT6=2001:2::1
LAB_LB4=198.18.0.254
LAB_LB6=2001:2::fe
LAB_MAX_BACKENDS=99 # keeps backend nets inside 198.19.0.0/16 and 2001:2:1XX::/64
LAB_HTTP_PORT=80
LAB_WEIGHT=100

# Backend i's networks.
be_net4() { echo "198.19.$1"; }
be_net6() { printf '2001:2:1%02d' "$1"; }

lab_check_index() {
	if ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt $LAB_MAX_BACKENDS ]; then
		echo "lab: bad backend number '$1': 1..$LAB_MAX_BACKENDS" >&2
		return 1
	fi
}

lab_client() {
	local run=$1 dev=$2
	$run ip addr add "$LAB_CLIENT4/24" dev "$dev"
	$run ip addr add "$LAB_CLIENT6/64" dev "$dev" nodad
	$run ip route add "$LAB_VIP4_NET" via "$LAB_LB4"
	$run ip -6 route add "$LAB_VIP6_NET" via "$LAB_LB6"
	# A veth's partial checksums are never completed once XDP forwards
	# the frame (DESIGN §6): the client computes them itself.
	$run ethtool -K "$dev" tx off >/dev/null
}

lab_lb_front() {
	local run=$1 dev=$2
	$run ip addr add "$LAB_LB4/24" dev "$dev"
	$run ip addr add "$LAB_LB6/64" dev "$dev" nodad
	$run sysctl -q -w net.ipv4.ip_forward=1 >/dev/null
	$run sysctl -q -w net.ipv6.conf.all.forwarding=1 >/dev/null
	# Replies from the VIPs enter from the backends' side, where the lb
	# has no route to a VIP: no reverse-path filter.
	$run sysctl -q -w net.ipv4.conf.all.rp_filter=0 >/dev/null
	$run sysctl -q -w net.ipv4.conf.default.rp_filter=0 >/dev/null
}

lab_lb_back() {
	local run=$1 dev=$2 i=$3
	lab_check_index "$i"
	$run ip link set "$dev" mtu "$LAB_MTU"
	$run sysctl -q -w "net.ipv4.conf.$dev.rp_filter=0" >/dev/null
	$run ip addr add "$(be_net4 "$i").254/24" dev "$dev"
	$run ip addr add "$(be_net6 "$i")::fe/64" dev "$dev" nodad
}

lab_backend() {
	local run=$1 dev=$2 i=$3 name=${4:-$2} n4 n6 v
	local -a lbs vips
	lab_check_index "$i"
	n4=$(be_net4 "$i")
	n6=$(be_net6 "$i")
	$run ip link set "$dev" mtu "$LAB_MTU"
	$run ip addr add "$n4.1/24" dev "$dev"
	$run ip addr add "$n6::1/64" dev "$dev" nodad
	$run ip route add "$LAB_BE_ROUTE4" via "$n4.254"
	$run ip -6 route add "$LAB_BE_ROUTE6" via "$n6::fe"
	# shellcheck disable=SC2086 # the VIP lists are space-separated
	$run "$XLB_DECAP" prepare $LAB_VIP4 $LAB_VIP6 >/dev/null
	lbs=(--lb "$LAB_LB_SRC4" --lb "$LAB_LB_SRC6")
	vips=()
	for v in $LAB_VIP4 $LAB_VIP6; do
		vips+=(--vip "$v")
	done
	$run "$XLB_DECAP" attach "$dev" --name "$name" --mode "$LAB_DECAP_MODE" \
		"${lbs[@]}" "${vips[@]}" >/dev/null
}

# xlb's configuration: every VIP on port 80/tcp, to the N backends.
lab_xlb_conf() {
	local n=$1 i v
	lab_check_index "$n"
	echo "# the xlb lab: scripts/lab-host.sh xlb-conf $n"
	echo "config set mtu $LAB_MTU"
	echo "config set source $LAB_LB_SRC4"
	echo "config set source $LAB_LB_SRC6"
	for v in $LAB_VIP4; do
		echo "vip add $v port $LAB_HTTP_PORT proto tcp mode ipip"
		for ((i = 1; i <= n; i++)); do
			echo "backend add vip $v:$LAB_HTTP_PORT/tcp addr $(be_net4 "$i").1 weight $LAB_WEIGHT"
		done
	done
	for v in $LAB_VIP6; do
		echo "vip add $v port $LAB_HTTP_PORT proto tcp mode ipip"
		for ((i = 1; i <= n; i++)); do
			echo "backend add vip [$v]:$LAB_HTTP_PORT/tcp addr $(be_net6 "$i")::1 weight $LAB_WEIGHT"
		done
	done
}

lab_host_main() {
	local role=${1:-}
	case "$role:$#" in
	client:2) lab_client "" "$2" ;;
	lb-front:2) lab_lb_front "" "$2" ;;
	lb-back:3) lab_lb_back "" "$2" "$3" ;;
	backend:3 | backend:4) lab_backend "" "$2" "$3" "${4:-$2}" ;;
	xlb-conf:2) lab_xlb_conf "$2" ;;
	*)
		sed -n '2,/^set -Eeuo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
		return 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	lab_host_main "$@"
fi
