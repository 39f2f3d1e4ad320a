#!/usr/bin/env bash
# The two-replica topology on this machine: nginx (Debian package) on :8600 in front of two
# `streamlit run` replicas (:8601 a, :8602 b), one scheduler sidecar (the leader), one PostgreSQL.
#
#   deploy/run-local.sh start     migrate, seed the demo data, start everything, wait until healthy
#   deploy/run-local.sh stop      stop what `start` started (by the pids it recorded)
#   deploy/run-local.sh status    which of them are running
#   deploy/run-local.sh kill a    SIGKILL replica a (or b), as a crash would
#
# Environment: DATABASE_URL (default: the local PostgreSQL, database portal_replicas, created if
# missing), RUN_DIR (/tmp/portal-replicas: pids, logs, the rendered nginx config), PORT (8600),
# PORT_A (8601), PORT_B (8602). Not for production: PORTAL_ENV=development and the demo password.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN_DIR="${RUN_DIR:-/tmp/portal-replicas}"
PORT="${PORT:-8600}"
PORT_A="${PORT_A:-8601}"
PORT_B="${PORT_B:-8602}"
export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg://root@127.0.0.1:5432/portal_replicas}"
export PORTAL_ENV="${PORTAL_ENV:-development}"
export DEMO_SEED="${DEMO_SEED:-true}"
# One secret for every replica: the sign-in cookie one replica signed is valid on the other.
export SECRET_KEY="${SECRET_KEY:-local-replicas-secret-not-for-production-0123456789}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT}}"
export BACKUP_DIR="${BACKUP_DIR:-${RUN_DIR}/backups}"
PYTHON="${PYTHON:-${ROOT}/.venv/bin/python}"

mkdir -p "$RUN_DIR"
cd "$ROOT"

running() { [[ -f "$RUN_DIR/$1.pid" ]] && kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null; }

wait_http() {  # url, seconds
    local deadline=$(( $(date +%s) + $2 ))
    until curl -fsS -o /dev/null "$1" 2>/dev/null; do
        (( $(date +%s) < deadline )) || { echo "not healthy in $2 s: $1" >&2; return 1; }
        sleep 0.5
    done
}

start_replica() {  # name, port
    running "web-$1" && { echo "replica $1 already running"; return; }
    # The same cookie secret on both replicas keeps Streamlit's XSRF cookie valid after a failover.
    STREAMLIT_SERVER_COOKIE_SECRET="$SECRET_KEY" nohup "$PYTHON" -m streamlit run streamlit_app.py \
        --server.port "$2" --server.address 127.0.0.1 --server.headless true --server.fileWatcherType none \
        >"$RUN_DIR/web-$1.log" 2>&1 &
    echo $! >"$RUN_DIR/web-$1.pid"
}

render_nginx() {
    sed -e "s/\${PORTAL_LISTEN}/127.0.0.1:${PORT}/" -e "s/\${PORTAL_REPLICA_A}/127.0.0.1:${PORT_A}/" \
        -e "s/\${PORTAL_REPLICA_B}/127.0.0.1:${PORT_B}/" deploy/nginx/portal.conf.template >"$RUN_DIR/portal.conf"
    mkdir -p "$RUN_DIR/nginx-temp"
    local user_line=""
    [[ "$(id -u)" == 0 ]] && user_line="user root;"
    cat >"$RUN_DIR/nginx.conf" <<CONF
${user_line}
worker_processes 1;
pid ${RUN_DIR}/nginx.pid;
error_log ${RUN_DIR}/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log ${RUN_DIR}/nginx-access.log;
    client_body_temp_path ${RUN_DIR}/nginx-temp/body;
    proxy_temp_path ${RUN_DIR}/nginx-temp/proxy;
    fastcgi_temp_path ${RUN_DIR}/nginx-temp/fastcgi;
    uwsgi_temp_path ${RUN_DIR}/nginx-temp/uwsgi;
    scgi_temp_path ${RUN_DIR}/nginx-temp/scgi;
    include ${RUN_DIR}/portal.conf;
}
CONF
}

cmd_start() {
    command -v nginx >/dev/null || { echo "nginx is missing: apt-get install -y nginx" >&2; exit 1; }
    "$PYTHON" - <<'PY'
import os
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
url = make_url(os.environ["DATABASE_URL"])
if url.get_backend_name() == "postgresql":
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}) is None:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
PY
    "$PYTHON" -m portal migrate
    "$PYTHON" -m portal seed-demo
    start_replica a "$PORT_A"
    start_replica b "$PORT_B"
    if ! running scheduler; then
        nohup "$PYTHON" -m jobs >"$RUN_DIR/scheduler.log" 2>&1 &
        echo $! >"$RUN_DIR/scheduler.pid"
    fi
    render_nginx
    nginx -t -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" 2>>"$RUN_DIR/nginx-error.log"
    if [[ -f "$RUN_DIR/nginx.pid" ]] && kill -0 "$(cat "$RUN_DIR/nginx.pid")" 2>/dev/null; then
        nginx -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -s reload
    else
        nginx -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf"
    fi
    wait_http "http://127.0.0.1:${PORT_A}/_stcore/health" 120
    wait_http "http://127.0.0.1:${PORT_B}/_stcore/health" 120
    wait_http "http://127.0.0.1:${PORT}/_stcore/health" 30
    echo "portal: http://127.0.0.1:${PORT}/ (replicas :${PORT_A} :${PORT_B}, scheduler pid $(cat "$RUN_DIR/scheduler.pid"); logs in ${RUN_DIR})"
}

cmd_stop() {
    if [[ -f "$RUN_DIR/nginx.pid" ]] && kill -0 "$(cat "$RUN_DIR/nginx.pid")" 2>/dev/null; then
        nginx -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -s quit
    fi
    for name in web-a web-b scheduler; do
        if running "$name"; then kill "$(cat "$RUN_DIR/$name.pid")"; fi
        rm -f "$RUN_DIR/$name.pid"
    done
    echo "stopped"
}

cmd_status() {
    for name in web-a web-b scheduler; do
        if running "$name"; then echo "$name: running (pid $(cat "$RUN_DIR/$name.pid"))"; else echo "$name: stopped"; fi
    done
    if [[ -f "$RUN_DIR/nginx.pid" ]] && kill -0 "$(cat "$RUN_DIR/nginx.pid")" 2>/dev/null; then
        echo "nginx: running on :${PORT}"
    else
        echo "nginx: stopped"
    fi
}

cmd_kill() {
    local name="web-${1:?which replica: a or b}"
    running "$name" || { echo "$name is not running" >&2; exit 1; }
    kill -9 "$(cat "$RUN_DIR/$name.pid")"
    rm -f "$RUN_DIR/$name.pid"
    echo "$name killed"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill) cmd_kill "${2:-}" ;;
    restart-replica) start_replica "${2:?a or b}" "$([[ "$2" == a ]] && echo "$PORT_A" || echo "$PORT_B")" ;;
    *) echo "usage: $0 start|stop|status|kill a|b|restart-replica a|b" >&2; exit 2 ;;
esac
