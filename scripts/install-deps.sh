#!/usr/bin/env bash
# Installs the Debian packages Backdrop builds against and its tests use, when missing.
# Needs root or sudo; does nothing when everything is there already.
set -euo pipefail

packages=(libsqlite3-dev libxml2-dev libcurl4-openssl-dev libssl-dev pkg-config)
case "${1:-}" in
  --tests) packages+=(python3-aiosmtpd openssl) ;;
  --bench) packages+=(time bc) ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 69; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
