#!/usr/bin/env bash
# Screenshots of the main pages (docs/screenshots/): a fresh SQLite database with the demo
# story, a server on a spare port, the browser, then everything is removed again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# A port nobody listens on, so that the pictures are of this server and no other.
PORT=${SCREENSHOT_PORT:-$($PY -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
WORK=$(mktemp -d)
export SAMVERKAN_VAR_DIR=$WORK SAMVERKAN_DEMO_PASSWORD=screenshots-$RANDOM$RANDOM
export SITE_URL=http://127.0.0.1:$PORT
$PY manage.py migrate --noinput -v 0
$PY manage.py load_reference >/dev/null
$PY manage.py load_strategies >/dev/null
$PY manage.py load_demo >/dev/null
$PY manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT INT TERM
for _ in $(seq 50); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/" && break
  sleep 0.2
done
echo "Screenshots of http://127.0.0.1:$PORT/ into docs/screenshots/:"
$PY scripts/screenshots.py "http://127.0.0.1:$PORT" "$SAMVERKAN_DEMO_PASSWORD" docs/screenshots
