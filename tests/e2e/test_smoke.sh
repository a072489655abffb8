#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# Smoke test of the whole path on the lab (scripts/lab.sh): a client's TCP
# connection to a VIP enters the lb, where xlb's program (native, on lb-c)
# encapsulates it to a backend; the backend's decap program strips it, the
# server on the VIP answers, and the reply goes straight back to the client
# through the lb's kernel routing (direct server return). IPv4 and IPv6.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-smoke-$$
NAME=$P-lb # the lab's convention: `lab.sh down` removes these pins too
SMOKE=$BUILD/tests/e2e/xlb-smoke
HTTPD=$E2E_ROOT/tests/e2e/backend_httpd.py
NBACKENDS=2
PORT=80
VIP4=198.18.1.10
VIP6=2001:2:1::10
CLIENT4=198.18.0.1
CLIENT6=2001:2::1
export LAB_VIP4=$VIP4 LAB_VIP6=$VIP6
export LAB_LB_SRC4=198.18.0.240/28 LAB_LB_SRC6=2001:2::f0/124
LAB_MTU=1540
SERVER_SECONDS=600 # the servers' lifetime bound; cleanup kills them sooner
SETUP_WAIT=10
CURL_SECONDS=5
SPREAD_CONNECTIONS=20
UPLOAD_BYTES=1048576

backend4() { echo "198.19.$1.1"; }
backend6() { printf '2001:2:1%02d::1' "$1"; }

lb() { in_ns "$P-lb" "$@"; }
client() { in_ns "$P-client" "$@"; }

# xlb's counter on the lb (packets).
xlb_count() {
	lb "$SMOKE" stats "$NAME" | awk -v c="$1" '$1 == c { print $2; found = 1 } END { exit !found }'
}

# A backend's decap counter (packets).
decap_count() {
	in_ns "$P-be$1" "$XLB_DECAP" stats be-lb --name "$P-be$1" |
		awk -v c="$2" '$1 == c { print $2; found = 1 } END { exit !found }'
}

decap_total() {
	local i n total=0
	for ((i = 1; i <= NBACKENDS; i++)); do
		n=$(decap_count "$i" pass_decap)
		total=$((total + n))
	done
	echo "$total"
}

# Datagrams the lb's kernel forwarded (the replies' path), per family.
# shellcheck disable=SC2016
forwarded4() { lb awk '/^Ip: [0-9]/ { print $7 }' /proc/net/snmp; }
# shellcheck disable=SC2016
forwarded6() { lb awk '$1 == "Ip6OutForwDatagrams" { print $2 }' /proc/net/snmp6; }

neigh_resolved() {
	lb ip neigh show "$1" | grep -q lladdr
}

listening() {
	in_ns "$P-be$1" ss -Hltn "sport = :$PORT" | grep -q LISTEN
}

suite_setup() {
	local i args=""
	need_root
	need_bin "$XLB_DECAP" "$SMOKE"
	"$LAB_SH" up "$P" "$NBACKENDS" --mtu "$LAB_MTU"
	for ((i = 1; i <= NBACKENDS; i++)); do
		bg_ns "$P-be$i" "$E2E_TMP/httpd$i.log" "$SERVER_SECONDS" python3 "$HTTPD" "be$i" "$PORT"
		args="$args --backend $(backend4 "$i") --backend $(backend6 "$i")"
	done
	# shellcheck disable=SC2086
	lb "$SMOKE" attach lb-c "$NAME" --mode native --mtu "$LAB_MTU" --port "$PORT" \
		--src "$LAB_LB_SRC4" --src "$LAB_LB_SRC6" --vip "$VIP4" --vip "$VIP6" $args
	for ((i = 1; i <= NBACKENDS; i++)); do
		wait_until "$SETUP_WAIT" listening "$i"
		wait_until "$SETUP_WAIT" neigh_resolved "$(backend4 "$i")"
		wait_until "$SETUP_WAIT" neigh_resolved "$(backend6 "$i")"
	done
}

suite_cleanup() {
	lb "$SMOKE" detach lb-c "$NAME" || true
	"$LAB_SH" down "$P"
}

# One request through the VIP: the answer names a backend, the program
# redirected toward a backend, a backend decapsulated, the lb's kernel
# forwarded the reply, and the server saw the client's own address.
check_request() {
	local url=$1 client_addr=$2 fwd_cmd=$3 redir0 decap0 fwd0 body
	redir0=$(xlb_count fwd_redirect)
	decap0=$(decap_total)
	fwd0=$($fwd_cmd)
	body=$(client curl -sS -m "$CURL_SECONDS" "$url")
	assert_match "$body" '^be[0-9]+$' "response:"
	assert_gt "$(xlb_count fwd_redirect)" "$redir0" "lb fwd_redirect:"
	assert_gt "$(decap_total)" "$decap0" "backends' pass_decap:"
	assert_gt "$($fwd_cmd)" "$fwd0" "lb kernel forwarded replies:"
	grep -q "$client_addr" "$E2E_TMP/httpd${body#be}.log" ||
		fail "backend $body never saw client address $client_addr"
}

test_ipv4_request_through_vip() {
	check_request "http://$VIP4:$PORT/" "$CLIENT4" forwarded4
}

test_ipv6_request_through_vip() {
	check_request "http://[$VIP6]:$PORT/" "$CLIENT6" forwarded6
}

# Full-size segments, encapsulated, fit the raised MTU toward the backends.
check_upload() {
	local url=$1 file=$E2E_TMP/upload body
	head -c "$UPLOAD_BYTES" /dev/urandom >"$file"
	body=$(client curl -sS -m "$CURL_SECONDS" -T "$file" "$url")
	assert_match "$body" "^be[0-9]+ $UPLOAD_BYTES\$" "upload:"
	assert_eq "$(xlb_count tx_too_big)" 0 "tx_too_big:"
	assert_eq "$(xlb_count drop_too_big)" 0 "drop_too_big:"
}

test_ipv4_upload_1mb() {
	check_upload "http://$VIP4:$PORT/"
}

test_ipv6_upload_1mb() {
	check_upload "http://[$VIP6]:$PORT/"
}

# New connections (new source ports) are spread by the Maglev ring over both
# backends; each one's decap counter rises.
test_connections_spread_over_backends() {
	local i body seen="" before=() n
	for ((i = 1; i <= NBACKENDS; i++)); do
		before[i]=$(decap_count "$i" pass_decap)
	done
	for ((n = 0; n < SPREAD_CONNECTIONS; n++)); do
		body=$(client curl -sS -m "$CURL_SECONDS" "http://$VIP4:$PORT/")
		seen="$seen $body"
	done
	for ((i = 1; i <= NBACKENDS; i++)); do
		[[ " $seen " == *" be$i "* ]] || fail "be$i answered none of $SPREAD_CONNECTIONS:$seen"
		assert_gt "$(decap_count "$i" pass_decap)" "${before[i]}" "be$i pass_decap:"
	done
}

# The host's own traffic leaves the program untouched.
test_non_vip_traffic_passes() {
	local before
	before=$(xlb_count pass_not_vip)
	client curl -sS -m "$CURL_SECONDS" "http://198.18.0.254:$PORT/" >/dev/null 2>&1 || true
	assert_gt "$(xlb_count pass_not_vip)" "$before" "pass_not_vip:"
}

run_tests "$@"
