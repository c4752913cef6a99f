# zabbix-server-lib.sh - a private Zabbix 6.0 server with its web frontend,
# from Debian 12's packages: PostgreSQL (initdb in a temporary directory),
# zabbix_server, php-fpm and nginx, all on loopback or Unix sockets, all
# unprivileged (as root they run as "nobody"), all stopped on exit.
# Source after lib.sh and snmp-lib.sh. zapi METHOD JSON calls the JSON-RPC API.

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
ZBX_SQL=/usr/share/zabbix-server-pgsql
ZBX_WEB=/usr/share/zabbix
PHP_FPM=$(ls /usr/sbin/php-fpm* 2>/dev/null | sort -V | tail -n 1)
NGINX=/usr/sbin/nginx
ZBX_SERVER=/usr/sbin/zabbix_server
# the system interpreter starts fastest; the API client needs nothing else
PYTHON3=$(command -v /usr/bin/python3 || command -v python3)

# Everything of the server lives in Z, owned by the user the services run as.
if [ "$(id -u)" -eq 0 ]; then
	ZUSER=nobody
	ZGROUP=$(id -gn nobody)
	as_zuser() { setpriv --reuid="$ZUSER" --regid="$ZGROUP" --clear-groups --reset-env -- env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
else
	ZUSER=$(id -un)
	ZGROUP=$(id -gn)
	as_zuser() { "$@"; }
fi
# a TMPDIR that nobody may not enter (say, under /root) falls back to /tmp
for _tmp in "${TMPDIR:-/tmp}" /tmp; do
	Z=$(mktemp -d "$_tmp/uccert-zbx.XXXXXX")
	chmod 755 "$Z"
	chown "$ZUSER:$ZGROUP" "$Z"
	as_zuser test -w "$Z" && break
	rm -rf "$Z"
done
# (kept, like the test's own directory, when the test fails and KEEP_TEST_DIR is set)
on_exit "if [ \"\$rc\" -ne 0 ] && [ -n \"\${KEEP_TEST_DIR:-}\" ]; then echo 'kept $Z' >&2; else rm -rf '$Z'; fi"

zbx_missing() { # prints what is not installed
	for _f in "$PGBIN/initdb" "$ZBX_SQL/schema.sql.gz" "$ZBX_WEB/api_jsonrpc.php" "$PHP_FPM" "$NGINX" "$ZBX_SERVER"; do
		[ -e "$_f" ] || echo "$_f"
	done
}

# zbx_stop PIDFILE: TERM the process, wait up to 20 s for it to go
zbx_stop() {
	[ -s "$1" ] || return 0
	_pid=$(head -n 1 "$1")
	kill "$_pid" 2>/dev/null || return 0
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ "$_i" -lt 200 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -KILL "$_pid" 2>/dev/null || :
}

start_postgres() {
	as_zuser "$PGBIN/initdb" -D "$Z/pg" -U zabbix -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
		> "$Z/initdb.log" 2>&1 || { cat "$Z/initdb.log" >&2; return 1; }
	as_zuser mkdir "$Z/pgsock"
	as_zuser "$PGBIN/pg_ctl" -D "$Z/pg" -l "$Z/postgres.log" -w -t 60 start \
		-o "-c listen_addresses='' -c unix_socket_directories='$Z/pgsock' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		> /dev/null || { cat "$Z/postgres.log" >&2; return 1; }
	on_exit "as_zuser '$PGBIN/pg_ctl' -D '$Z/pg' -m immediate -w stop"
	as_zuser "$PGBIN/createdb" -h "$Z/pgsock" -U zabbix zabbix || return 1
	for _s in schema images data; do
		zcat "$ZBX_SQL/$_s.sql.gz" | as_zuser "$PGBIN/psql" -q -X -v ON_ERROR_STOP=1 -h "$Z/pgsock" -U zabbix zabbix \
			> "$Z/sql-$_s.log" 2>&1 || { tail "$Z/sql-$_s.log" >&2; return 1; }
	done
}

# tcp_port: a free TCP port on loopback below 32768 (zabbix_server's limit)
tcp_port() {
	python3 -c '
import random, socket
for p in random.sample(range(20000, 32768), 200):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break'
}

start_zabbix_server() {
	ZBX_PORT=$(tcp_port)
	as_zuser mkdir "$Z/run"
	as_zuser touch "$Z/snmptraps.log"
	cat > "$Z/zabbix_server.conf" <<EOF
ListenIP=127.0.0.1
ListenPort=$ZBX_PORT
LogFile=$Z/zabbix_server.log
DebugLevel=3
PidFile=$Z/zabbix_server.pid
SocketDir=$Z/run
DBHost=$Z/pgsock
DBName=zabbix
DBUser=zabbix
StartPollers=2
StartPreprocessors=1
StartPollersUnreachable=1
StartHistoryPollers=1
StartTrappers=1
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartTimers=1
StartEscalators=1
StartAlerters=1
StartLLDProcessors=1
StartDBSyncers=1
StartProxyPollers=0
StartReportWriters=0
StartODBCPollers=0
StartSNMPTrapper=1
SNMPTrapperFile=$Z/snmptraps.log
CacheUpdateFrequency=2
HousekeepingFrequency=0
Timeout=4
AlertScriptsPath=$Z
ExternalScripts=$Z
TmpDir=$Z
LogSlowQueries=0
EOF
	chmod 644 "$Z/zabbix_server.conf"
	as_zuser "$ZBX_SERVER" -c "$Z/zabbix_server.conf"
	on_exit "zbx_stop '$Z/zabbix_server.pid'"
	wait_for 30 grep -q "server #0 started" "$Z/zabbix_server.log" ||
		{ echo "zabbix_server did not start:" >&2; tail -n 30 "$Z/zabbix_server.log" >&2; return 1; }
}

start_frontend() {
	WEB_PORT=$(tcp_port)
	# a private copy of the frontend: it reads conf/zabbix.conf.php below
	# its own directory (hard links when /usr/share and $Z share a file system)
	cp -al "$ZBX_WEB" "$Z/web" 2>/dev/null || cp -a "$ZBX_WEB" "$Z/web"
	# Debian's frontend reads /etc/zabbix/zabbix.conf.php: point the copy at
	# its own (a new file, not an edit of a hard link)
	_cf="$Z/web/include/classes/core/CConfigFile.php"
	sed "s|const CONFIG_FILE_PATH = .*|const CONFIG_FILE_PATH = '$Z/zabbix.conf.php';|" "$_cf" > "$_cf.new"
	rm -f "$_cf"
	mv "$_cf.new" "$_cf"
	cat > "$Z/zabbix.conf.php" <<EOF
<?php
\$DB['TYPE'] = 'POSTGRESQL';
\$DB['SERVER'] = '$Z/pgsock';
\$DB['PORT'] = '0';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER'] = 'zabbix';
\$DB['PASSWORD'] = '';
\$DB['SCHEMA'] = '';
\$DB['ENCRYPTION'] = false;
\$DB['KEY_FILE'] = '';
\$DB['CERT_FILE'] = '';
\$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false;
\$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = '';
\$DB['VAULT_DB_PATH'] = '';
\$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER = '127.0.0.1';
\$ZBX_SERVER_PORT = '$ZBX_PORT';
\$ZBX_SERVER_NAME = 'uccert test';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
EOF
	chmod 644 "$Z/zabbix.conf.php" "$_cf"
	cat > "$Z/php-fpm.conf" <<EOF
[global]
pid = $Z/php-fpm.pid
error_log = $Z/php-fpm.log
daemonize = yes
[zabbix]
listen = $Z/run/php-fpm.sock
pm = static
pm.max_children = 2
php_admin_value[memory_limit] = 256M
php_admin_value[post_max_size] = 16M
php_admin_value[max_execution_time] = 300
php_admin_value[date.timezone] = UTC
php_admin_value[session.save_path] = $Z/run
php_admin_value[error_log] = $Z/php-errors.log
php_admin_flag[log_errors] = on
EOF
	# as root the pool would need a user; it runs as nobody already
	as_zuser "$PHP_FPM" -y "$Z/php-fpm.conf" 2> "$Z/php-fpm.start" ||
		{ cat "$Z/php-fpm.start" "$Z/php-fpm.log" >&2; return 1; }
	on_exit "zbx_stop '$Z/php-fpm.pid'"
	as_zuser mkdir "$Z/nginx"
	cat > "$Z/nginx.conf" <<EOF
worker_processes 1;
pid $Z/nginx.pid;
error_log $Z/nginx-error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $Z/nginx/body;
	fastcgi_temp_path $Z/nginx/fastcgi;
	proxy_temp_path $Z/nginx/proxy;
	uwsgi_temp_path $Z/nginx/uwsgi;
	scgi_temp_path $Z/nginx/scgi;
	client_max_body_size 16m;
	server {
		listen 127.0.0.1:$WEB_PORT;
		root $Z/web;
		location = /api_jsonrpc.php {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
			fastcgi_read_timeout 300;
			fastcgi_pass unix:$Z/run/php-fpm.sock;
		}
	}
}
EOF
	as_zuser "$NGINX" -e "$Z/nginx-error.log" -p "$Z/nginx" -c "$Z/nginx.conf" ||
		{ cat "$Z/nginx-error.log" >&2; return 1; }
	on_exit "zbx_stop '$Z/nginx.pid'"
	ZBX_URL="http://127.0.0.1:$WEB_PORT/api_jsonrpc.php"
	export ZBX_URL
	wait_for 30 zapi apiinfo.version '{}' ||
		{ echo "the Zabbix API does not answer:" >&2; cat "$Z/nginx-error.log" "$Z/php-fpm.log" "$Z/php-errors.log" >&2 2>/dev/null; return 1; }
}

# zapi METHOD PARAMS-JSON: print the result as JSON; fail on an API error
zapi() {
	"$PYTHON3" "$top_srcdir/tests/zabbix-api.py" "$@"
}
