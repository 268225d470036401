# shellcheck shell=bash disable=SC2034  # sourced; the variables set here are read by the callers
# bench/lib/common.sh: what bench/run and bench/profile share: this script's own HAProxy and patroxy
# (configurations, ports, start and stop), the cluster's primary, and cleanup of exactly what was started.
# Sourced, not run; the caller has `set -euo pipefail` and calls bench_prepare first.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIB=$REPO/bench/lib
RESULTS=${BENCH_RESULTS_DIR:-$REPO/bench/results}
PY=/usr/bin/python3
PGBIN=/usr/lib/postgresql/15/bin
SRC_JAR=${PATROXY_JAR:-$REPO/proxy/target/patroxy.jar}
read -r -a JAVA_OPTS <<<"${PATROXY_JAVA_OPTS:-}"
JVM_OPTIONS=${PATROXY_JVM_OPTIONS:-$REPO/deploy/jvm.options}

# Ports of this script's own instances; the cluster's patroxy keeps 5000/5001/7000.
HAP_PG=5100 HAP_IDLE=5101 HAP_STATS=7100
PTX_PG=5200 PTX_IDLE=5201 PTX_STATS=7200
ECHO_PORT=5300
NODES=(10.29.0.11 10.29.0.12 10.29.0.13)

export PGUSER=postgres PGPASSWORD=gfhjkm
PGBENCH_DB=bench
PGBENCH_SCALE=10

WORK='' SHM=''
PIDS=()   # every process this script started and has not stopped yet
TEMP_FILES=()   # files outside $WORK this script made, removed at exit
FD_HARD=$(ulimit -Hn)

log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- processes -------------------------------------------------------------------------------------------

# start_bg NAME COMMAND...: runs COMMAND in the background, output to $WORK/NAME.log; sets STARTED_PID.
start_bg() {
	local name=$1; shift
	"$@" >"$WORK/$name.log" 2>&1 &
	STARTED_PID=$!
	PIDS+=("$STARTED_PID")
}

# stop_pid PID: SIGTERM, then SIGKILL after 10 s; forgets the pid.
stop_pid() {
	local pid=$1 i
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
	fi
	wait "$pid" 2>/dev/null || true
	local kept=() p
	for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
	PIDS=("${kept[@]}")
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
	[[ -n $SHM && -d $SHM ]] && rm -rf "$SHM"
	((${#TEMP_FILES[@]} == 0)) || rm -f "${TEMP_FILES[@]}"
	if [[ -n $WORK && -d $WORK ]]; then
		if ((rc == 0)); then rm -rf "$WORK"; else log "logs kept in $WORK"; fi
	fi
	exit "$rc"
}

# wait_port PORT SECONDS PID: until something accepts on 127.0.0.1:PORT, or fail if PID died.
wait_port() {
	local port=$1 deadline=$((SECONDS + $2)) pid=$3
	until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || die "pid $pid exited before listening on $port (log: $WORK)"
		((SECONDS < deadline)) || die "nothing listens on $port after $2 s"
		sleep 0.05
	done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- the cluster -----------------------------------------------------------------------------------------

# The one node whose Patroni answers 200 to /primary.
find_leader() {
	local node found=()
	for node in "${NODES[@]}"; do
		[[ $(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$node:8008/primary" || true) == 200 ]] && found+=("$node")
	done
	((${#found[@]} == 1)) || die "expected one primary, Patroni says: ${found[*]:-none}; is the cluster up? (deploy/cluster up --fast)"
	echo "${found[0]}"
}

# sql HOST PORT DB SQL: one value, no psqlrc.
sql() { "$PGBIN/psql" -X -qAt -h "$1" -p "$2" -d "$3" -v ON_ERROR_STOP=1 -c "$4"; }

# Until the proxy's stats CSV shows the leader as the only server in service on the primary listener, so no
# measured session can land on a replica (HAProxy starts servers UP before their first check).
wait_routed() {
	local name=$1 url=$2 listener=$3 leader_name=$4 deadline=$((SECONDS + 30)) up
	while :; do
		up=$(curl -s -m 2 "$url" | awk -F, -v l="$listener" '$1 == l && $2 != "FRONTEND" && $2 != "BACKEND" && $18 ~ /^UP/ {print $2}' | paste -sd' ' || true)
		[[ $up == "$leader_name" ]] && break
		((SECONDS < deadline)) || die "$name: servers UP on $listener are '$up', expected only $leader_name"
		sleep 0.2
	done
	local seen
	seen=$(sql 127.0.0.1 "$5" "$PGBENCH_DB" "select host(inet_server_addr()) || case when pg_is_in_recovery() then ' replica' else ' primary' end")
	[[ $seen == "$LEADER primary" ]] || die "$name reaches '$seen', not the primary $LEADER"
}

# --- configurations --------------------------------------------------------------------------------------

node_name() { echo "pg0${1##*.1}"; }   # 10.29.0.11 -> pg01

# Patroni's sample haproxy.cfg (shared/docs/domain.md section 1) with the check on /primary, the cluster's
# three nodes, and limits raised so HAProxy is not throttled by the sample's maxconn 100 (8 pgbench clients
# would fit, the idle sessions would not). Global maxconn is capped by the open-files limit: HAProxy needs
# two descriptors per session and, without CAP_SYS_RESOURCE, cannot raise its hard limit.
write_haproxy_cfg() {
	local node maxconn=$((FD_HARD / 2 - 100))
	((maxconn > 20000)) && maxconn=20000
	{
		cat <<-EOF
		global
		    maxconn $maxconn
		defaults
		    mode tcp
		    retries 2
		    timeout client 30m
		    timeout connect 4s
		    timeout server 30m
		    timeout check 5s
		    maxconn $maxconn
		listen stats
		    mode http
		    bind 127.0.0.1:$HAP_STATS
		    stats enable
		    stats uri /
		listen batman
		    bind 127.0.0.1:$HAP_PG
		    option httpchk OPTIONS /primary
		    http-check expect status 200
		    default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions
		EOF
		for node in "${NODES[@]}"; do
			echo "    server $(node_name "$node") $node:5432 maxconn 10000 check port 8008"
		done
		cat <<-EOF
		listen idle
		    bind 127.0.0.1:$HAP_IDLE
		    server echo 127.0.0.1:$ECHO_PORT maxconn $maxconn
		EOF
	} >"$WORK/haproxy.cfg"
	haproxy -c -q -f "$WORK/haproxy.cfg" || die "haproxy rejects $WORK/haproxy.cfg"
}

# The same in patroxy's terms (deploy/patroxy.yml is the sample's translation); the echo backend's listener
# has no check, as a HAProxy server without `check`.
write_patroxy_cfg() {
	local node
	{
		if [[ -n ${PATROXY_GLOBAL:-} ]]; then
			echo "global: {$PATROXY_GLOBAL}"
		fi
		cat <<-EOF
		stats:
		  bind: ["127.0.0.1:$PTX_STATS"]
		defaults:
		  timeout: {connect: 4s, client: 30m, server: 30m}
		  retries: 2
		  on-marked-down: shutdown-sessions
		  check: {method: OPTIONS, expect: 200, inter: 3s, timeout: 5s, fall: 3, rise: 2}
		servers:
		EOF
		for node in "${NODES[@]}"; do
			echo "  - {name: $(node_name "$node"), address: \"$node:5432\", check-port: 8008}"
		done
		cat <<-EOF
		  - {name: echo, address: "127.0.0.1:$ECHO_PORT", check-port: $ECHO_PORT}
		listeners:
		  - name: batman
		    bind: ["127.0.0.1:$PTX_PG"]
		    balance: primary
		    servers: [pg01, pg02, pg03]
		    check: {path: /primary}
		  - name: idle
		    bind: ["127.0.0.1:$PTX_IDLE"]
		    balance: roundrobin
		    servers: [echo]
		    check: none
		EOF
	} >"$WORK/patroxy.yml"
	java -jar "$JAR" --config "$WORK/patroxy.yml" --check >/dev/null || die "patroxy rejects $WORK/patroxy.yml"
}

HAPROXY_CMD=() PATROXY_CMD=()
start_haproxy() {
	start_bg haproxy haproxy -db -f "$WORK/haproxy.cfg"
	HAPROXY_PID=$STARTED_PID
	wait_port "$HAP_IDLE" 20 "$HAPROXY_PID"
}
start_patroxy() {
	start_bg patroxy "${PATROXY_CMD[@]}"
	PATROXY_PID=$STARTED_PID
	wait_port "$PTX_IDLE" 30 "$PATROXY_PID"
}


# run_helper OUT COMMAND...: runs a measuring helper in the background (so cleanup can stop it by pid on
# Ctrl-C), its standard output to OUT; fails if it fails.
run_helper() {
	local out=$1 pid rc=0; shift
	"$@" >"$out" &
	pid=$!
	PIDS+=("$pid")
	wait "$pid" || rc=$?
	stop_pid "$pid"
	return "$rc"
}

prepare_pgbench_db() {
	if [[ $(sql "$LEADER" 5432 postgres "select count(*) from pg_database where datname = '$PGBENCH_DB'") == 0 ]]; then
		sql "$LEADER" 5432 postgres "create database $PGBENCH_DB" >/dev/null
	fi
	local branches
	branches=$(sql "$LEADER" 5432 "$PGBENCH_DB" "select count(*) from pgbench_branches" 2>/dev/null || echo 0)
	if [[ $branches != "$PGBENCH_SCALE" || ${BENCH_REINIT:-0} == 1 ]]; then
		log "pgbench -i -s $PGBENCH_SCALE on $PGBENCH_DB (direct to $LEADER)"
		"$PGBIN/pgbench" -h "$LEADER" -p 5432 -i -q -s "$PGBENCH_SCALE" "$PGBENCH_DB" >"$WORK/pgbench-init.log" 2>&1 ||
			die "pgbench -i failed: $(tail -3 "$WORK/pgbench-init.log")"
	fi
}

# --- setup -----------------------------------------------------------------------------------------------

# bench_prepare: checks the tools, installs HAProxy if missing, sets the cleanup trap, makes the work
# directory, copies the jar (so a rebuild meanwhile changes nothing), finds the primary, writes both
# configurations. Sets WORK, JAR, LEADER, HAPROXY_CMD, PATROXY_CMD and the *_VERSION strings.
bench_prepare() {
	[[ $(id -u) == 0 ]] || die "run as root (the cluster's addresses and the open-files limit need it)"
	local tool port
	for tool in curl java "$PGBIN/pgbench" "$PGBIN/psql" "$PY"; do
		command -v "$tool" >/dev/null || die "$tool not found (deploy/cluster install)"
	done
	if ! command -v haproxy >/dev/null; then
		log "installing haproxy (apt-get)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
	fi
	[[ -f $SRC_JAR ]] || { log "building the jar"; (cd "$REPO" && mvn -B -q -DskipTests package); }
	for port in $HAP_PG $HAP_IDLE $HAP_STATS $PTX_PG $PTX_IDLE $PTX_STATS $ECHO_PORT; do
		port_free "$port" || die "port $port is in use (another bench/run or bench/profile?)"
	done

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	WORK=$(mktemp -d /tmp/patroxy-bench.XXXXXX)

	cp "$SRC_JAR" "$WORK/patroxy.jar"
	JAR=$WORK/patroxy.jar
	JAR_SHA=$(sha256sum "$JAR" | cut -c1-64)
	JAR_BUILT=$(date -u -r "$SRC_JAR" '+%Y-%m-%d %H:%M UTC')
	REPO_HEAD=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')
	LEADER=$(find_leader)
	log "primary: $LEADER; work dir $WORK"

	JAVA_VERSION=$(java -version 2>&1 | sed -n 2p)
	HAPROXY_VERSION=$(haproxy -v | head -1 | awk '{ print "HAProxy " $3 }')
	PG_VERSION=$(sql "$LEADER" 5432 postgres "select split_part(version(), ' on ', 1)")
	PATROXY_VERSION=$(java -jar "$JAR" --version)

	write_haproxy_cfg
	write_patroxy_cfg
	HAPROXY_CMD=(haproxy -db -f "$WORK/haproxy.cfg")
	cp "$JVM_OPTIONS" "$WORK/jvm.options"
	PATROXY_CMD=(java "@$WORK/jvm.options" "${JAVA_OPTS[@]}" -jar "$JAR" --config "$WORK/patroxy.yml")
}

# start_both_for_pg: this script's HAProxy and patroxy, each routing only to the primary.
start_both_for_pg() {
	prepare_pgbench_db
	log "starting HAProxy (:$HAP_PG) and patroxy (:$PTX_PG)"
	start_haproxy
	start_patroxy
	wait_routed HAProxy "http://127.0.0.1:$HAP_STATS/;csv" batman "$(node_name "$LEADER")" "$HAP_PG"
	wait_routed patroxy "http://127.0.0.1:$PTX_STATS/;csv" batman "$(node_name "$LEADER")" "$PTX_PG"
}
