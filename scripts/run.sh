#!/usr/bin/env bash
# Run the platform on SQLite (or $DATABASE_URL): migrate, load reference and demo data,
# then serve the web app and the background worker until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Links in e-mails and feeds use the address actually served, unless SITE_URL says otherwise.
if [ "$HOST" = "0.0.0.0" ]; then SITE_HOST=127.0.0.1; else SITE_HOST=$HOST; fi
export SITE_URL=${SITE_URL:-http://$SITE_HOST:$PORT}
mkdir -p var

if [ -z "${SAMVERKAN_DEMO_PASSWORD:-}" ]; then
  # A random password, kept under var/ so a second start leaves the accounts as they were.
  if [ ! -s var/demo-password ]; then
    $PY -c "import secrets; print(secrets.token_urlsafe(12))" > var/demo-password
  fi
  SAMVERKAN_DEMO_PASSWORD=$(cat var/demo-password)
fi
export SAMVERKAN_DEMO_PASSWORD

$PY manage.py migrate --noinput -v 0
$PY manage.py load_reference
$PY manage.py load_strategies
$PY manage.py load_demo
$PY manage.py start_schedules

$PY manage.py db_worker --queue-name "*" --no-reload &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Samverkan is running on http://$HOST:$PORT/ (links in e-mails: $SITE_URL)
  Log in at http://$HOST:$PORT/accounts/login/ as one of
    coordinator, committee, company, viewer, admin
  with the password: $SAMVERKAN_DEMO_PASSWORD
  E-mails are printed here (console backend). Stop with Ctrl-C.

MSG
$PY manage.py runserver "$HOST:$PORT" --noreload
