#!/usr/bin/env bash
# The whole suite: static checks, then every test on SQLite and again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
export SAMVERKAN_TESTING=1

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v msgfmt >/dev/null || need_apt+=(gettext)
# WeasyPrint draws PDFs with Pango.
ldconfig -p | grep -q libpango-1.0 || need_apt+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
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

echo "== static checks"
$V/ruff check .
$V/ruff format --check .
# The direction of imports: [tool.importlinter] in pyproject.toml, docs/architecture.md.
$V/lint-imports --no-cache
$V/mypy samverkan
$V/python manage.py compilemessages -l sv --ignore=.venv -v 0
$V/python manage.py check --fail-level WARNING
$V/python manage.py makemigrations --check --dry-run

echo "== known vulnerabilities in the locked dependencies"
scripts/audit.sh

echo "== tests on SQLite"
$V/pytest -q -n 2 "$@"

echo "== tests on PostgreSQL"
scripts/with-postgres.sh $V/pytest -q -n 2 "$@"
