#!/usr/bin/env bash
# Run the platform on SQLite (or $DATABASE_URL): migrate, load reference and demo data,
# then serve the web app and the background worker until Ctrl-C.
# REFERENCE=path/to/pack.yaml starts another infrastructure instead of GMS: in its own SQLite
# file, without GMS's strategies and demo story, with the accounts below only.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Links in e-mails and feeds use the address actually served, unless SITE_URL says otherwise.
if [ "$HOST" = "0.0.0.0" ]; then SITE_HOST=127.0.0.1; else SITE_HOST=$HOST; fi
export SITE_URL=${SITE_URL:-http://$SITE_HOST:$PORT}
mkdir -p var
REFERENCE=${REFERENCE:-reference/gms.yaml}
DEFAULT_PACK=0
if [ "$(realpath "$REFERENCE")" = "$(realpath reference/gms.yaml)" ]; then DEFAULT_PACK=1; fi
if [ "$DEFAULT_PACK" = 0 ] && [ -z "${DATABASE_URL:-}" ]; then
  export DATABASE_URL="sqlite:///$PWD/var/$(basename "$REFERENCE" .yaml).sqlite3"
fi

if [ -z "${SAMVERKAN_DEMO_PASSWORD:-}" ]; then
  # A random password, kept under var/ so a second start leaves the accounts as they were.
  if [ ! -s var/demo-password ]; then
    $PY -c "import secrets; print(secrets.token_urlsafe(12))" > var/demo-password
  fi
  SAMVERKAN_DEMO_PASSWORD=$(cat var/demo-password)
fi
export SAMVERKAN_DEMO_PASSWORD

$PY manage.py migrate --noinput -v 0
$PY manage.py load_reference "$REFERENCE"
if [ "$DEFAULT_PACK" = 1 ]; then
  $PY manage.py load_strategies
  $PY manage.py load_demo
else
  # No demo story for another infrastructure: only the accounts, with no data behind them.
  $PY manage.py shell -c '
import os
from samverkan.accounts.models import Role, User
for name, role in [("coordinator", Role.COORDINATOR), ("committee", Role.COMMITTEE),
                   ("viewer", Role.VIEWER), ("admin", Role.ADMIN)]:
    user, _ = User.objects.get_or_create(username=name, defaults={"role": role})
    user.role = role
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.set_password(os.environ["SAMVERKAN_DEMO_PASSWORD"])
    user.save()
'
fi
$PY manage.py start_schedules

ACCOUNTS="coordinator, committee, centre, company, viewer, admin"
[ "$DEFAULT_PACK" = 1 ] || ACCOUNTS="coordinator, committee, viewer, admin"

$PY manage.py db_worker --queue-name "*" --no-reload &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Samverkan is running on http://$HOST:$PORT/ (links in e-mails: $SITE_URL)
  Log in at http://$HOST:$PORT/accounts/login/ as one of
    $ACCOUNTS
  with the password: $SAMVERKAN_DEMO_PASSWORD
  E-mails are printed here (console backend). Stop with Ctrl-C.

MSG
$PY manage.py runserver "$HOST:$PORT" --noreload
