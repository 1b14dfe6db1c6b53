#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing:
# chromium (browser tests), espeak-ng and sox (synthetic calls), ffmpeg (compressed audio),
# postgresql and redis-server (the scale-out tests start their own, on free ports), node-typescript
# (`tsc` type-checks the page scripts). The product itself runs without them.
set -euo pipefail
packages=(chromium chromium-driver espeak-ng sox ffmpeg postgresql redis-server node-typescript)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "system-deps: please install ${missing[*]} with your package manager" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
