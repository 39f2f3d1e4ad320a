#!/usr/bin/env bash
# Replays the Dockerfile's steps in a clean venv (no Docker engine runs on the dev machines):
# install requirements.txt, migrate a fresh PostgreSQL database as production would, start the
# web app with PORTAL_ENV=production and hit the HEALTHCHECK URL, then run `python -m portal check`.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q -r requirements.txt
db="portal_docker_$$"
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE \"$db\""
trap 'kill $web 2>/dev/null || true; psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; rm -rf "$work"' EXIT
export PORTAL_ENV=production DATABASE_URL="postgresql+psycopg://root@127.0.0.1:5432/$db"
export SECRET_KEY=$("$work/venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))')
"$work/venv/bin/python" -m portal migrate
"$work/venv/bin/streamlit" run streamlit_app.py --server.port=8591 --server.address=127.0.0.1 --server.headless=true >"$work/web.log" 2>&1 &
web=$!
for _ in $(seq 1 60); do
  if "$work/venv/bin/python" -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8591/_stcore/health', timeout=4).status == 200 else 1)" 2>/dev/null; then
    echo "healthcheck: ok"; break
  fi
  sleep 1
done
"$work/venv/bin/python" -m portal check
echo "venv size: $(du -sh "$work/venv" | cut -f1)"
