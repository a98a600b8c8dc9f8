#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on 127.0.0.1, then remove it.
# Installs Debian's postgresql package first when it is missing and we are root.
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(pg_bin)" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing PostgreSQL from Debian's packages..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL is not installed: run as root, or install Debian's postgresql package." >&2
    exit 1
  fi
fi
BIN=$(pg_bin)

TMP=$(mktemp -d -t samverkan-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres "$TMP"; fi

cleanup() {
  as_owner "$BIN/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

as_owner "$BIN/initdb" -D "$TMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability is not needed for a throwaway test server; speed is.
as_owner "$BIN/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $PORT -k $TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
  start >/dev/null
as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres samverkan

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/samverkan"
export SAMVERKAN_TESTING=1
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
"$@"
