# live-lib.sh - loopback peers for the live sources: openssl s_server
# instances and the certificate API stand-in (tests/api-server.py). Source
# after lib.sh. Everything listens on 127.0.0.1 (or ::1) only.

# wait_file SECONDS FILE REGEX: until FILE has a line matching REGEX
wait_file() {
	_i=0
	while [ "$_i" -lt $(($1 * 10)) ]; do
		if grep -q "$3" "$2" 2>/dev/null; then return 0; fi
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "not ready: $2" >&2
	cat "$2" >&2 || :
	return 1
}

# tls_server NAME ADDRESS ARGS...: openssl s_server on a port of its choosing;
# sets PORT_<NAME> and PID_<NAME>.
tls_server() {
	_name=$1 _addr=$2
	shift 2
	openssl s_server -accept "$_addr:0" -www "$@" < /dev/null > "$W/$_name.log" 2>&1 &
	_pid=$!
	on_exit "kill $_pid; wait $_pid"
	wait_file 10 "$W/$_name.log" '^ACCEPT ' || return 1
	_port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$W/$_name.log")
	eval "PORT_$_name=$_port PID_$_name=$_pid"
}

# api_tls: a test CA and a server certificate for IP 127.0.0.1 in $W
# (mkcert has no subjectAltName option, and verification needs one).
api_tls() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=uccert-test-api-ca -keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=127.0.0.1 -CA "$W/ca.pem" -CAkey "$W/ca.key" \
		-addext subjectAltName=IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE \
		-keyout "$W/server.key" -out "$W/server.pem" 2>/dev/null
}

# start_api_server DATA_DIR CREDENTIALS_FILE: serve DATA_DIR/<unit>/<file>
# as a snapshot; sets API_URL and API_PID.
start_api_server() {
	[ -f "$W/server.pem" ] || api_tls
	rm -f "$W/api-port"
	python3 "$top_srcdir/tests/api-server.py" --cert "$W/server.pem" --key "$W/server.key" \
		--data "$1" --credentials "$2" --port-file "$W/api-port" --log "$W/api-server.log" \
		2> "$W/api-server.err" &
	API_PID=$!
	on_exit "kill $API_PID"
	_i=0
	while [ ! -s "$W/api-port" ]; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! kill -0 "$API_PID" 2>/dev/null; then
			echo "api-server did not start:" >&2
			cat "$W/api-server.err" >&2
			return 1
		fi
		sleep 0.1
	done
	API_URL="https://127.0.0.1:$(cat "$W/api-port")"
}
