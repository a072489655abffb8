#!/bin/bash
# Sourced by the benchmarks that need real HTTP backends (bench/tcp_compare.sh,
# bench/cp_latency.sh): Debian's nginx in each backend namespace, one worker
# per CPU (so one backend alone can use the whole machine, as several do), in
# the foreground under `timeout`, which bounds its life and passes a kill on
# to nginx's master; listening on ports 80 and 8080 of every address of the namespace
# (the backend's own and the VIPs on its loopback), answering every request
# with its name.
# Nothing is written outside DIR.
#
#   http_backend_start NS DIR NAME SECONDS   starts it; its pid in $http_backend_pid
#   http_backend_wait NS SECONDS             waits until port 80 listens in NS

HTTP_BACKEND_NGINX=${HTTP_BACKEND_NGINX:-/usr/sbin/nginx}
HTTP_BACKEND_PORT=80
# A second port, so that two cases reaching the same backend address need not
# share TCP tuples: a TIME-WAIT one left behind refuses the other's SYN when
# the other's timestamps (offset per address pair) are behind (PAWS).
HTTP_BACKEND_PORT2=8080
HTTP_BACKEND_CONNS=8192 # above any benchmark's connection count

http_backend_conf() {
	local dir=$1 name=$2
	cat <<EOF
daemon off;
worker_processes auto;
worker_rlimit_nofile $((2 * HTTP_BACKEND_CONNS));
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
	worker_connections $HTTP_BACKEND_CONNS;
}
http {
	access_log off;
	keepalive_requests 100000000;
	keepalive_timeout 120s;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	server {
		listen $HTTP_BACKEND_PORT backlog=4096;
		listen $HTTP_BACKEND_PORT2 backlog=4096;
		location / {
			default_type text/plain;
			return 200 "$name\n";
		}
	}
}
EOF
}

http_backend_start() {
	local ns=$1 dir=$2 name=$3 secs=$4
	mkdir -p "$dir"
	http_backend_conf "$dir" "$name" >"$dir/nginx.conf"
	nsenter --net="/run/netns/$ns" timeout "$secs" "$HTTP_BACKEND_NGINX" -q -p "$dir" \
		-c "$dir/nginx.conf" >"$dir/out.log" 2>&1 &
	# shellcheck disable=SC2034 # read by the sourcing script
	http_backend_pid=$!
}

http_backend_wait() {
	local ns=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		nsenter --net="/run/netns/$ns" ss -Hltn "sport = :$HTTP_BACKEND_PORT" |
			grep -q LISTEN && return 0
		sleep 0.1
	done
	echo "http_backend: nothing listens on :$HTTP_BACKEND_PORT in $ns" >&2
	return 1
}
