#!/usr/bin/env bash
# Known vulnerabilities in requirements.lock (PyPI's advisory data, through pip-audit).
# A known vulnerability fails the audit. A package whose advisories cannot be looked up
# (PyPI's per-release endpoint unreachable) is named in a warning; AUDIT_STRICT=1 makes
# that an error too, where the advisory service is reachable. To fix a finding, upgrade:
#   .venv/bin/uv pip compile pyproject.toml --group dev -o requirements.lock \
#     --generate-hashes --python-version 3.11 --upgrade-package NAME
set -euo pipefail
cd "$(dirname "$0")/.."
args=(-r requirements.lock --disable-pip --require-hashes --progress-spinner off)
if [ "${AUDIT_STRICT:-}" = "1" ]; then
  args+=(--strict)
fi
status=0
output=$(.venv/bin/pip-audit "${args[@]}" 2>&1) || status=$?
unreachable=$(grep -c "could not be audited" <<<"$output" || true)
grep -v "could not be audited\|^Name  *Skip Reason\|^---" <<<"$output" || true
if [ "$unreachable" -gt 0 ]; then
  echo "warning: $unreachable packages could not be looked up (no network to PyPI?);" \
    "AUDIT_STRICT=1 makes this an error." >&2
fi
exit "$status"
