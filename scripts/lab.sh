#!/bin/bash
# The xlb lab: network namespaces joined by veth pairs, used by the smoke
# test, `make demo`, the e2e tests and the benchmarks.
#
#   scripts/lab.sh up PREFIX N [options]   build it (N backends)
#   scripts/lab.sh down PREFIX             remove everything it made
#
#   PREFIX-client  c-lb  198.18.0.1/24  2001:2::1/64   (tx checksum offload off)
#        │               routes to LAB_VIP4_NET / LAB_VIP6_NET via the lb
#   PREFIX-lb      lb-c  198.18.0.254/24 2001:2::fe/64  (xlb's program goes here)
#        │         lb-beI 198.19.I.254/24 2001:2:1II::fe/64  MTU LAB_MTU
#   PREFIX-beI     be-lb 198.19.I.1/24  2001:2:1II::1/64 MTU LAB_MTU, default via the lb
#                  VIPs on lo (xlb-decap prepare), decap on be-lb (xlb-decap attach)
#
# Replies go from a backend straight back through the lb's kernel routing
# (direct server return). Only 198.18.0.0/15 and 2001:2::/48 are used, and
# only inside these namespaces.
#
# Settings (environment, or the flags in parentheses):
#   LAB_VIP4      IPv4 VIPs, space-separated     (--vip4, repeatable) [198.18.1.10]
#   LAB_VIP6      IPv6 VIPs                      (--vip6)             [2001:2:1::10]
#   LAB_LB_SRC4   prefix the lb's outer IPv4 source comes from (--lb-src4) [198.18.0.240/28]
#   LAB_LB_SRC6   same for IPv6                  (--lb-src6)          [2001:2::f0/124]
#   LAB_VIP4_NET, LAB_VIP6_NET  the client's routes to the VIPs [198.18.1.0/24, 2001:2:1::/64]
#   LAB_MTU       lb<->backend MTU: 1500 + IPv6 encap overhead (--mtu) [1540]
#   LAB_DECAP_MODE native or skb                 (--decap-mode)       [native]
#   XLB_DECAP     the xlb-decap binary           [${BUILD:-build}/xlb-decap]
# The lb's xlb pins, by convention named PREFIX-lb, are removed by `down` too.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
XLB_DECAP=${XLB_DECAP:-$BUILD/xlb-decap}

LAB_VIP4=${LAB_VIP4:-198.18.1.10}
LAB_VIP6=${LAB_VIP6:-2001:2:1::10}
LAB_VIP4_NET=${LAB_VIP4_NET:-198.18.1.0/24}
LAB_VIP6_NET=${LAB_VIP6_NET:-2001:2:1::/64}
LAB_LB_SRC4=${LAB_LB_SRC4:-198.18.0.240/28}
LAB_LB_SRC6=${LAB_LB_SRC6:-2001:2::f0/124}
LAB_MTU=${LAB_MTU:-1540}
LAB_DECAP_MODE=${LAB_DECAP_MODE:-native}

CLIENT4=198.18.0.1
CLIENT6=2001:2::1
LB4=198.18.0.254
LB6=2001:2::fe
MAX_BACKENDS=99 # keeps backend nets inside 198.19.0.0/16 and 2001:2:1XX::/64
BPFFS=/sys/fs/bpf
DECAP_PINS=$BPFFS/xlb-decap
XLB_PINS=$BPFFS/xlb

die() {
	echo "lab.sh: $*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -Eeuo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

# Backend i's networks.
be_net4() { echo "198.19.$1"; }
be_net6() { printf '2001:2:1%02d' "$1"; }

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

check_prefix() {
	[[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$ ]] ||
		die "bad PREFIX '$1': letters, digits, '_', '.', '-' (at most 40)"
}

# The namespaces of PREFIX that exist now.
lab_namespaces() {
	local re=${1//./\\.}
	ip netns list | awk '{print $1}' | grep -E "^$re-(client|lb|be[0-9]+)$" || true
}

ensure_bpffs() {
	[ "$(stat -f -c %T "$BPFFS" 2>/dev/null)" = bpf_fs ] || mount -t bpf bpf "$BPFFS"
}

sysctl_ns() {
	in_ns "$1" sysctl -q -w "$2" >/dev/null
}

add_ns() {
	ip netns add "$1"
	in_ns "$1" ip link set lo up
}

# A veth pair between two namespaces: name1 in ns1, name2 in ns2.
add_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	in_ns "$1" ip link set "$2" up
	in_ns "$3" ip link set "$4" up
}

up_client_lb() {
	local p=$1
	add_ns "$p-client"
	add_ns "$p-lb"
	add_veth "$p-client" c-lb "$p-lb" lb-c
	in_ns "$p-client" ip addr add "$CLIENT4/24" dev c-lb
	in_ns "$p-client" ip addr add "$CLIENT6/64" dev c-lb nodad
	in_ns "$p-client" ip route add "$LAB_VIP4_NET" via "$LB4"
	in_ns "$p-client" ip -6 route add "$LAB_VIP6_NET" via "$LB6"
	# A veth's partial checksums are never completed once XDP forwards
	# the frame (DESIGN §6): the client computes them itself.
	in_ns "$p-client" ethtool -K c-lb tx off >/dev/null
	in_ns "$p-lb" ip addr add "$LB4/24" dev lb-c
	in_ns "$p-lb" ip addr add "$LB6/64" dev lb-c nodad
	sysctl_ns "$p-lb" net.ipv4.ip_forward=1
	sysctl_ns "$p-lb" net.ipv6.conf.all.forwarding=1
	# Replies from the VIPs enter from the backends' side, where the lb
	# has no route to a VIP: no reverse-path filter.
	sysctl_ns "$p-lb" net.ipv4.conf.all.rp_filter=0
	sysctl_ns "$p-lb" net.ipv4.conf.default.rp_filter=0
}

up_backend() {
	local p=$1 i=$2 ns="$1-be$2" n4 n6 lbs vips v
	n4=$(be_net4 "$i")
	n6=$(be_net6 "$i")
	add_ns "$ns"
	add_veth "$p-lb" "lb-be$i" "$ns" be-lb
	in_ns "$p-lb" ip link set "lb-be$i" mtu "$LAB_MTU"
	in_ns "$ns" ip link set be-lb mtu "$LAB_MTU"
	sysctl_ns "$p-lb" "net.ipv4.conf.lb-be$i.rp_filter=0"
	in_ns "$p-lb" ip addr add "$n4.254/24" dev "lb-be$i"
	in_ns "$p-lb" ip addr add "$n6::fe/64" dev "lb-be$i" nodad
	in_ns "$ns" ip addr add "$n4.1/24" dev be-lb
	in_ns "$ns" ip addr add "$n6::1/64" dev be-lb nodad
	in_ns "$ns" ip route add default via "$n4.254"
	in_ns "$ns" ip -6 route add default via "$n6::fe"
	# shellcheck disable=SC2086
	in_ns "$ns" "$XLB_DECAP" prepare $LAB_VIP4 $LAB_VIP6 >/dev/null
	lbs="--lb $LAB_LB_SRC4 --lb $LAB_LB_SRC6"
	vips=""
	for v in $LAB_VIP4 $LAB_VIP6; do
		vips="$vips --vip $v"
	done
	# shellcheck disable=SC2086
	in_ns "$ns" "$XLB_DECAP" attach be-lb --name "$ns" --mode "$LAB_DECAP_MODE" $lbs $vips >/dev/null
}

cmd_down() {
	local p=$1 ns
	check_prefix "$p"
	for ns in $(lab_namespaces "$p"); do
		if [[ $ns == "$p"-be* ]] && [ -x "$XLB_DECAP" ]; then
			in_ns "$ns" "$XLB_DECAP" detach be-lb --name "$ns" >/dev/null 2>&1 || true
		fi
		ip netns del "$ns" 2>/dev/null || true
	done
	# Pins outlive their namespaces: remove the ones named for this lab.
	for ns in "$DECAP_PINS/$p"-be*; do
		[[ $ns =~ /$p-be[0-9]+$ ]] && rm -rf -- "$ns"
	done
	rm -rf -- "${XLB_PINS:?}/$p-lb"
	return 0
}

cmd_up() {
	local p=$1 n=$2 i
	check_prefix "$p"
	if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt $MAX_BACKENDS ]; then
		die "bad backend count '$n': 1..$MAX_BACKENDS"
	fi
	[ -x "$XLB_DECAP" ] || die "no xlb-decap at $XLB_DECAP (make, or set XLB_DECAP)"
	[ -z "$(lab_namespaces "$p")" ] || die "a lab named $p exists: scripts/lab.sh down $p first"
	[[ $LAB_DECAP_MODE == native || $LAB_DECAP_MODE == skb ]] ||
		die "bad decap mode '$LAB_DECAP_MODE': native or skb"
	ensure_bpffs
	# Whatever fails half-way, nothing is left behind.
	trap 'echo "lab.sh: setup failed, removing $p" >&2; cmd_down "$p"' ERR
	up_client_lb "$p"
	for ((i = 1; i <= n; i++)); do
		up_backend "$p" "$i"
	done
	trap - ERR
	summary "$p" "$n"
}

summary() {
	local p=$1 n=$2 i
	echo "lab $p: client $p-client (c-lb $CLIENT4, $CLIENT6)"
	echo "  lb $p-lb: lb-c $LB4, $LB6; outer source $LAB_LB_SRC4, $LAB_LB_SRC6"
	for ((i = 1; i <= n; i++)); do
		echo "  backend $p-be$i: be-lb $(be_net4 "$i").1, $(be_net6 "$i")::1 (lb side lb-be$i), MTU $LAB_MTU, decap $LAB_DECAP_MODE"
	done
	echo "  VIPs: $LAB_VIP4 $LAB_VIP6"
}

main() {
	local cmd=${1:-} p n
	case $cmd in
	up)
		[ $# -ge 3 ] || die "usage: lab.sh up PREFIX N [options]"
		p=$2
		n=$3
		shift 3
		local v4="" v6=""
		while [ $# -gt 0 ]; do
			[ $# -ge 2 ] || die "missing value after $1"
			case $1 in
			--vip4) v4="$v4 $2" ;;
			--vip6) v6="$v6 $2" ;;
			--lb-src4) LAB_LB_SRC4=$2 ;;
			--lb-src6) LAB_LB_SRC6=$2 ;;
			--mtu) LAB_MTU=$2 ;;
			--decap-mode) LAB_DECAP_MODE=$2 ;;
			*) die "unknown option '$1'" ;;
			esac
			shift 2
		done
		[ -z "$v4" ] || LAB_VIP4=${v4# }
		[ -z "$v6" ] || LAB_VIP6=${v6# }
		cmd_up "$p" "$n"
		;;
	down)
		[ $# -eq 2 ] || die "usage: lab.sh down PREFIX"
		cmd_down "$2"
		;;
	-h | --help | help)
		usage
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

main "$@"
