#!/usr/bin/env bash
# Known vulnerabilities in requirements.lock (PyPI's advisory data, through pip-audit).
# In CI (CI=true) a package that cannot be looked up fails the audit too, so a network
# problem never passes for "no known vulnerability". To fix a finding, upgrade the pin:
#   .venv/bin/uv pip compile pyproject.toml --group dev -o requirements.lock \
#     --generate-hashes --python-version 3.11 --upgrade-package NAME
set -euo pipefail
cd "$(dirname "$0")/.."
args=(-r requirements.lock --disable-pip --require-hashes --progress-spinner off)
if [ "${CI:-}" = "true" ] || [ "${AUDIT_STRICT:-}" = "1" ]; then
  args+=(--strict)
fi
status=0
output=$(.venv/bin/pip-audit "${args[@]}" 2>&1) || status=$?
unreachable=$(grep -c "could not be audited" <<<"$output" || true)
grep -v "could not be audited\|^Name  *Skip Reason\|^---" <<<"$output" || true
if [ "$unreachable" -gt 0 ]; then
  echo "warning: $unreachable packages could not be looked up (no network to PyPI?);" \
    "CI=true makes this an error." >&2
fi
exit "$status"
