#!/bin/sh
# listen_auth.sh - a broker that requires a password: `strata drill listen`
# connects with mqtt.broker.username/password and never logs the password;
# with a wrong password it stops at once with an error naming the refusal.
. "${STRATA_SOURCE_DIR:-.}/tests/lib.sh"
. "${STRATA_SOURCE_DIR:-.}/tests/drill/lib/mqtt.sh"
mqtt_setup
if ! command -v mosquitto_passwd >/dev/null; then
	echo "SKIPPED: mosquitto_passwd not installed (Debian package mosquitto)"
	exit 77
fi
PORT=$(free_port)
mosquitto_passwd -c -b "$WORK/passwd" line-user 'S3cret-pw!' >/dev/null 2>&1
# Started as root, mosquitto drops to its own user: let it read the file.
chmod 755 "$WORK"
chmod 644 "$WORK/passwd"
printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\n' "$PORT" "$WORK/passwd" \
	>"$WORK/mosquitto.conf"
/usr/sbin/mosquitto -c "$WORK/mosquitto.conf" >>"$WORK/mosquitto.log" 2>&1 &
BROKER_PID=$!
MQTT_PIDS="$MQTT_PIDS $BROKER_PID"
i=0
until mosquitto_pub -h 127.0.0.1 -p "$PORT" -u line-user -P 'S3cret-pw!' -t t -m x 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "mosquitto did not start" >&2; exit 1; }
	sleep 0.1
done

write_config "$WORK/good.yaml" "$PORT"
sed -i "s/^    port: $PORT\$/    port: $PORT\n    username: line-user\n    password: 'S3cret-pw!'/" "$WORK/good.yaml"
CURRENT="right password"
listen_start good "$WORK/good.yaml" --log-level debug && pass || fail "no connection with the password"

sed "s/S3cret-pw!/wrong/" "$WORK/good.yaml" >"$WORK/bad.yaml"
run "$STRATA" drill listen --config "$WORK/bad.yaml"
cp "$ERR" "$WORK/bad.log"
expect_status 1
expect_stderr_contains "strata drill listen: mqtt: the broker at 127.0.0.1:$PORT refused the connection: Not authorized"
grep -q "S3cret-pw\|wrong" "$WORK/good.log" "$WORK/bad.log" && fail "a password was logged" || pass
finish
