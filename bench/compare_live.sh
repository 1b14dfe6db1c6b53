#!/usr/bin/env bash
# The live benchmark before and after, back to back: see bench/compare_live.py. Run by hand on an
# idle machine (minutes of wall time); CI and pytest never run it.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
exec "$repo/.venv/bin/python" -m bench.compare_live "$@"
