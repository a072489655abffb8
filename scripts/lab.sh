#!/bin/bash
# The xlb lab: network namespaces joined by veth pairs, used by the smoke
# test, `make demo`, the e2e tests and the benchmarks.
#
#   scripts/lab.sh up PREFIX N [options]   build it (N backends)
#   scripts/lab.sh down PREFIX             remove everything it made
#
#   PREFIX-client  c-lb   (lab-host.sh client)
#        │
#   PREFIX-lb      lb-c   (lab-host.sh lb-front; xlb's program goes here)
#        │         lb-beI (lab-host.sh lb-back, one per backend)
#   PREFIX-beI     be-lb  (lab-host.sh backend: VIPs on lo, decap on be-lb)
#
# Each host's steps, addresses and settings are those of
# scripts/lab-host.sh, which the Vagrant lab (vagrant/) runs on its VMs.
# Replies go from a backend straight back through the lb's kernel routing
# (direct server return). Only 198.18.0.0/15 and 2001:2::/48 are used, and
# only inside these namespaces.
#
# Options of `up` (instead of the LAB_* settings of lab-host.sh):
#   --vip4 ADDR (repeatable), --vip6 ADDR, --lb-src4 PREFIX, --lb-src6 PREFIX,
#   --mtu MTU, --decap-mode native|skb
# XLB_DECAP, the xlb-decap binary, defaults to ${BUILD:-build}/xlb-decap.
# The lb's xlb pins, by convention named PREFIX-lb, are removed by `down` too.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
XLB_DECAP=${XLB_DECAP:-$BUILD/xlb-decap}

# shellcheck source=scripts/lab-host.sh
. "$ROOT/scripts/lab-host.sh"

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
	lab_client "in_ns $p-client" c-lb
	lab_lb_front "in_ns $p-lb" lb-c
}

up_backend() {
	local p=$1 i=$2 ns="$1-be$2"
	add_ns "$ns"
	add_veth "$p-lb" "lb-be$i" "$ns" be-lb
	lab_lb_back "in_ns $p-lb" "lb-be$i" "$i"
	lab_backend "in_ns $ns" be-lb "$i" "$ns"
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
	if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt $LAB_MAX_BACKENDS ]; then
		die "bad backend count '$n': 1..$LAB_MAX_BACKENDS"
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
	echo "lab $p: client $p-client (c-lb $LAB_CLIENT4, $LAB_CLIENT6)"
	echo "  lb $p-lb: lb-c $LAB_LB4, $LAB_LB6; outer source $LAB_LB_SRC4, $LAB_LB_SRC6"
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
