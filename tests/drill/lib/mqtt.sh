# mqtt.sh - helpers for the `strata drill listen` integration tests (POSIX sh).
# Source after tests/lib.sh. Every process started here is stopped by
# mqtt_cleanup (installed as an EXIT trap by mqtt_setup).
#   mqtt_setup                   skip (77) without mosquitto; make $WORK; trap
#   free_port                    print a free TCP port on 127.0.0.1
#   broker_start PORT            start mosquitto on 127.0.0.1:PORT ($BROKER_PID)
#   broker_stop                  stop it (SIGTERM, wait)
#   write_config FILE PORT [EXTRA_LISTENER_YAML] [EXTRA_MQTT_YAML]
#   listen_start NAME CONFIG [ARGS...]   start listen and wait until the broker
#                                        acknowledged its subscriptions; log in
#                                        $WORK/NAME.log, pid in $WORK/NAME.pid
#   wait_for_log FILE TEXT [N]   wait (up to 30 s) until TEXT occurs N times
#   sub_start PORT TOPIC...      mosquitto_sub -F '%t %p' into $WORK/sub.out
#   sub_stop                     stop the subscriber
#   sub_barrier PORT             publish a probe and wait until the subscriber
#                                saw it: everything published before is in
#   results_count                result lines received so far
MQTT_PIDS=""
WORK=""

mqtt_setup() {
	if [ ! -x /usr/sbin/mosquitto ]; then
		echo "SKIPPED: /usr/sbin/mosquitto not installed (Debian package mosquitto)"
		exit 77
	fi
	if ! command -v mosquitto_sub >/dev/null || ! command -v mosquitto_pub >/dev/null; then
		echo "SKIPPED: mosquitto_sub/mosquitto_pub not installed (Debian package mosquitto-clients)"
		exit 77
	fi
	if ! command -v python3 >/dev/null; then
		echo "SKIPPED: python3 not installed"
		exit 77
	fi
	WORK=$(mktemp -d /tmp/strata-drill-test-XXXXXX)
	trap mqtt_cleanup EXIT
	trap 'exit 1' INT TERM
}

mqtt_cleanup() {
	for pid in $MQTT_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $MQTT_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$WORK" ] && [ "${KEEP_WORK:-0}" = 0 ]; then rm -rf "$WORK"; fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

broker_start() {
	printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$1" >"$WORK/mosquitto.conf"
	/usr/sbin/mosquitto -c "$WORK/mosquitto.conf" >>"$WORK/mosquitto.log" 2>&1 &
	BROKER_PID=$!
	MQTT_PIDS="$MQTT_PIDS $BROKER_PID"
	i=0
	until mosquitto_pub -h 127.0.0.1 -p "$1" -t strata/test/ping -m x 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "mosquitto did not start" >&2; cat "$WORK/mosquitto.log" >&2; exit 1; }
		sleep 0.1
	done
}

broker_stop() {
	kill "$BROKER_PID" 2>/dev/null || true
	wait "$BROKER_PID" 2>/dev/null || true
}

write_config() {
	cat >"$1" <<YAML
mqtt:
  broker:
    host: 127.0.0.1
    port: $2
  listener:
    root: OPCPUBSUB
    require_heads: false
    cleanup_interval: 1
$3
  processing:
    workers: 2
$4
YAML
}

listen_start() {
	name=$1
	shift
	"$STRATA" drill listen --config "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
	echo $! >"$WORK/$name.pid"
	MQTT_PIDS="$MQTT_PIDS $!"
	wait_for_log "$WORK/$name.log" "mqtt subscribed" 1
}

count_in() {
	c=$(grep -ac -- "$1" "$2" 2>/dev/null)
	echo "${c:-0}"
}

wait_for_log() {
	want=${3:-1}
	i=0
	while [ "$(count_in "$2" "$1")" -lt "$want" ]; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			echo "timed out waiting for '$2' x$want in $1" >&2
			cat "$1" >&2
			return 1
		fi
		sleep 0.1
	done
}

sub_start() {
	port=$1
	shift
	set -- "$@" strata/test/probe
	args=""
	for t in "$@"; do args="$args -t $t"; done
	# shellcheck disable=SC2086 # word splitting of the -t list is intended
	mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -F '%t %p' $args >>"$WORK/sub.out" 2>"$WORK/sub.err" &
	SUB_PID=$!
	MQTT_PIDS="$MQTT_PIDS $SUB_PID"
	sub_barrier "$port"
}

sub_stop() {
	kill "$SUB_PID" 2>/dev/null || true
	wait "$SUB_PID" 2>/dev/null || true
}

sub_barrier() {
	probe="probe-$$-$(date +%s%N)"
	i=0
	until grep -aq -- "$probe" "$WORK/sub.out" 2>/dev/null; do
		mosquitto_pub -h 127.0.0.1 -p "$1" -q 1 -t strata/test/probe -m "$probe" 2>/dev/null || true
		i=$((i + 1))
		[ $i -lt 150 ] || { echo "subscriber never saw the probe" >&2; return 1; }
		sleep 0.2
	done
}

results_count() {
	count_in '^OPCPUBSUB/' "$WORK/sub.out"
}

wait_for_results() {
	i=0
	while [ "$(results_count)" -lt "$1" ]; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			echo "timed out: $(results_count) of $1 results" >&2
			return 1
		fi
		sleep 0.1
	done
}
