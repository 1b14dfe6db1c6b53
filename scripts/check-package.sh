#!/usr/bin/env bash
# The package as a user gets it: build the sdist and, from it, the wheel; install the wheel and the
# locked dependencies (by hash) into a new virtual environment outside the checkout; then, from an
# empty folder with no source tree on the path, run `secondear --version`, `models`, `analyze` (on a
# transcript and a stereo recording made here) and `serve` until its pages load. Everything the product
# reads at run time (rules, wording, migrations, pages, models) must come from the installed package.
#
#   UV=.tools/bin/uv PYTHON=python3 scripts/check-package.sh      (or: make package-check)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
UV=${UV:-uv}
PYTHON=${PYTHON:-python3}
export UV_PYTHON_DOWNLOADS=never

work=$(mktemp -d "${TMPDIR:-/tmp}/secondear-package.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "package-check: $*"; }
fail() {
  echo "package-check: FAILED: $*" >&2
  exit 1
}

say "building the sdist, and the wheel from the sdist"
"$UV" build --quiet --python "$PYTHON" --out-dir "$work/dist" .
wheel=$(echo "$work"/dist/secondear-*.whl)
[ -f "$wheel" ] || fail "no wheel built"

say "every file of the package folders is in the wheel"
# The committed files; outside a git checkout (an unpacked sdist), every file but compiled Python.
git ls-files app nlp models frontend >"$work/tracked.txt" 2>/dev/null ||
  find app nlp models frontend -type f ! -path '*/__pycache__/*' ! -name '*.py[cod]' >"$work/tracked.txt"
"$PYTHON" - "$wheel" "$work/tracked.txt" <<'EOF'
import sys
import zipfile

names = set(zipfile.ZipFile(sys.argv[1]).namelist())
tracked = [line for line in open(sys.argv[2]).read().splitlines() if line]
missing = [path for path in tracked if path not in names]
if missing:
    sys.exit("package-check: FAILED: not in the wheel (see MANIFEST.in): " + ", ".join(missing))
EOF

say "a new virtual environment: the locked dependencies by hash, then the wheel alone"
"$UV" export --quiet --frozen --no-emit-project --format requirements-txt -o "$work/requirements.txt"
grep -q -- '--hash=sha256:' "$work/requirements.txt" || fail "the exported lock has no hashes"
venv=$work/venv
"$UV" venv --quiet --python "$PYTHON" "$venv"
"$UV" pip install --quiet --python "$venv/bin/python" --require-hashes -r "$work/requirements.txt"
"$UV" pip install --quiet --python "$venv/bin/python" --no-deps "$wheel"
# The wheel's own requirements are all met by the locked set (nothing missing, nothing too old).
"$UV" pip check --quiet --python "$venv/bin/python"
# The speaker encoder's weights, without their package's dependencies (after the check, which
# would ask for Resemblyzer's torch): see scripts/resemblyzer-requirements.txt.
"$UV" pip install --quiet --python "$venv/bin/python" --no-deps --require-hashes \
  -r "$root/scripts/resemblyzer-requirements.txt"

# From here on: an empty folder, no PYTHONPATH, and only the installed command.
mkdir "$work/run"
cd "$work/run"
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP
export SECONDEAR_DATA_DIR="$work/data"
secondear=$venv/bin/secondear

say "the code comes from the installed package, not from $root"
"$venv/bin/python" - "$root" <<'EOF'
import sys
from pathlib import Path

import app
import frontend
import models
import nlp

root = Path(sys.argv[1]).resolve()
for module in (app, nlp, models, frontend):
    where = Path(next(iter(module.__path__))).resolve()
    if "site-packages" not in where.parts or where.is_relative_to(root):
        sys.exit(f"package-check: FAILED: {module.__name__} imported from {where}")
if any(Path(p or ".").resolve().is_relative_to(root) for p in sys.path):
    sys.exit(f"package-check: FAILED: the checkout is on sys.path: {sys.path}")

from app.audio.resemblyzer_encoder import load_resemblyzer

load_resemblyzer()  # the speaker encoder's weights are found and read, with no torch
if "torch" in sys.modules:
    sys.exit("package-check: FAILED: loading the speaker encoder imported torch")
EOF

expected=$(basename "$wheel" | cut -d- -f2)
version=$("$secondear" --version)
[ "$version" = "secondear $expected" ] || fail "secondear --version said '$version', expected 'secondear $expected'"
say "$version"

say "secondear models"
"$secondear" models

say "secondear analyze on a transcript"
cat >call.txt <<'EOF'
Dana: Do you use Excel for this?
Sam: Yes, every week. It takes me two hours to copy the numbers by hand.
Dana: Would you pay for a tool that did it for you?
Sam: Maybe.
EOF
"$secondear" analyze call.txt --format json -o report.json
"$secondear" analyze call.txt --format html -o report.html
"$venv/bin/python" - <<'EOF'
import json

report = json.load(open("report.json"))
flags = report["questions"]["by_flag"]
assert report["names"] == {"interviewer": "Dana", "customer": "Sam"}, report["names"]
assert flags["closed_question"] == 2 and flags["hypothetical_question"] == 1, flags
assert [w["evidence"].rstrip(".") for w in report["workarounds"]] == ["by hand"], report["workarounds"]
assert "Excel" in open("report.html").read()
EOF

if command -v espeak-ng >/dev/null && command -v sox >/dev/null; then
  say "secondear analyze on a stereo recording (espeak-ng + sox)"
  # espeak-ng's plain voices (its +f/+m variants are often not heard as speech by tiny.en).
  espeak-ng -v en-us -w question.wav "How do you send the weekly report to your team today?"
  espeak-ng -v en-gb -w answer.wav "Every Friday I export the numbers into a spreadsheet and check each invoice by hand."
  # Interviewer on the left, then the customer on the right: one after the other, like a call.
  q_seconds=$(sox --i -D question.wav)
  sox question.wav -r 16000 -b 16 left.wav pad 0.5 9
  sox answer.wav -r 16000 -b 16 right.wav pad "$(awk -v q="$q_seconds" 'BEGIN { print q + 1.3 }')" 1
  sox -M left.wav right.wav call.wav
  "$secondear" analyze call.wav --format json -o call.json
  "$venv/bin/python" - <<'EOF'
import json

lines = json.load(open("call.json"))["transcript"]
said = {side: " ".join(u["text"] for u in lines if u["speaker"] == side).lower() for side in ("interviewer", "customer")}
assert "weekly report" in said["interviewer"] and "spreadsheet" in said["customer"], said
EOF
elif [ "${CI:-}" = true ]; then
  fail "espeak-ng and sox are needed (scripts/system-deps.sh installs them)"
else
  say "skipped the recording: espeak-ng or sox is missing (scripts/system-deps.sh installs them)"
fi

say "secondear user add, token create, serve: /healthz, the home page, a page script and a report page"
printf 'package-check-password\n' | "$secondear" user add check@example.com --role member >/dev/null \
  || fail "secondear user add"
token=$("$secondear" token create check@example.com | tail -n 1) || fail "secondear token create"
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$secondear" serve --host 127.0.0.1 --port "$port" --log-level warning >serve.log 2>&1 &
server_pid=$!
"$venv/bin/python" - "$port" "$token" <<'EOF' || { cat serve.log >&2; fail "secondear serve"; }
import json
import re
import sys
import time
import urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}"


def get(path: str, data: bytes | None = None) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {sys.argv[2]}"}
    if data:
        headers["Content-Type"] = "application/json"
    with urllib.request.urlopen(urllib.request.Request(base + path, data, headers), timeout=10) as r:
        return r.headers.get("Content-Type", ""), r.read().decode()


deadline = time.monotonic() + 90
while True:
    try:
        get("/healthz")
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("no answer on /healthz within 90 s")
        time.sleep(0.5)

kind, home = get("/")
assert kind.startswith("text/html") and "<html" in home.lower(), kind
scripts = re.findall(r'<script[^>]+src="(/static/[^"]+\.js)"', home)
assert scripts, "the home page loads no /static script"
for script in scripts:
    kind, body = get(script)
    assert "javascript" in kind and body.strip(), (script, kind)
call = json.loads(get("/api/calls", json.dumps({"title": "Package check", "interviewer": "Dana"}).encode())[1])
kind, page = get(call["links"]["report"])
assert kind.startswith("text/html") and "Package check" in page, kind
print(f"package-check: served {len(scripts)} page script(s) and the report of call {call['id']}")
EOF
[ -n "$(ls "$SECONDEAR_DATA_DIR")" ] || fail "serve left no database in SECONDEAR_DATA_DIR"
say "ok"
