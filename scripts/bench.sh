#!/usr/bin/env bash
# `make bench`: national-scale data on a local PostgreSQL, the platform under gunicorn (2
# workers) and its worker with production settings, measured with wrk on 127.0.0.1 only.
# The database lives in var/bench/pg and keeps the scale data between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
SCALE=${SCALE:-1.0}
DURATION=${DURATION:-5}
PG_PORT=${BENCH_PG_PORT:-55432}
WEB_PORT=${BENCH_WEB_PORT:-8765}
DIR=$PWD/var/bench
mkdir -p "$DIR"

need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing ${need_apt[*]} from Debian's packages..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Missing ${need_apt[*]}: run as root, or install them with apt-get." >&2
    exit 1
  fi
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# One database per scale, kept between runs.
DATA=$DIR/pg-$SCALE
if [ ! -d "$DATA" ]; then
  mkdir -p "$DATA"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$DATA"; fi
  as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$DATA"; fi
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $DATA -c synchronous_commit=off -c max_connections=50 -c shared_buffers=512MB -c work_mem=16MB -c maintenance_work_mem=256MB -c max_wal_size=4GB -c random_page_cost=1.1 -c effective_cache_size=1GB" \
  start >/dev/null
as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres samverkan 2>/dev/null || true
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT, data in $DATA"

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/samverkan"
export SAMVERKAN_PRODUCTION=1 DEBUG=0 SECURE_SSL_REDIRECT=0
export SECRET_KEY=bench-only-not-secret ALLOWED_HOSTS=127.0.0.1,localhost,testserver
export SITE_URL="http://127.0.0.1:$WEB_PORT" CONN_MAX_AGE=${CONN_MAX_AGE:-600}
export SAMVERKAN_VAR_DIR=$DIR/var-$SCALE MEDIA_ROOT=$DIR/var-$SCALE/media STATIC_ROOT=$DIR/static
# Measured traffic comes from one address: no intake limit, no e-mail leaving the machine.
export RATELIMIT_ENABLE=0 EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export LOG_LEVEL=WARNING
mkdir -p "$SAMVERKAN_VAR_DIR"

$V/python manage.py migrate --noinput -v 0
$V/python manage.py createcachetable -v 0
$V/python manage.py collectstatic --noinput -v 0
if [ ! -s "$DIR/seed-$SCALE.json" ]; then
  $V/python manage.py seed_scale --scale "$SCALE" --json > "$DIR/seed-$SCALE.json.tmp"
  mv "$DIR/seed-$SCALE.json.tmp" "$DIR/seed-$SCALE.json"
fi

$V/gunicorn samverkan.wsgi:application --bind "127.0.0.1:$WEB_PORT" --workers 2 \
  --timeout 30 --log-level warning --access-logfile /dev/null &
PIDS+=($!)
GUNICORN=$!
$V/python manage.py db_worker --queue-name "*" --no-reload &
PIDS+=($!)
WORKER=$!
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$WEB_PORT/scale/floor/" >/dev/null 2>&1 && break
  sleep 0.2
done

$V/python manage.py bench_web --base "http://127.0.0.1:$WEB_PORT" --duration "$DURATION" \
  --seed-file "$DIR/seed-$SCALE.json" --gunicorn-pid "$GUNICORN" --worker-pid "$WORKER" \
  --import-rows "${IMPORT_ROWS:-100000}" --output "$DIR/latest.json"
