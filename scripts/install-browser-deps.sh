#!/usr/bin/env bash
# Debian's Chromium (browser tests) and PostgreSQL (store tests) for `make test`.
# Both are optional: without them those tests skip and say why. Nothing is downloaded
# by a test tool of its own: Playwright drives /usr/bin/chromium.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: ${need[*]} not installed and apt-get is not usable here; those tests will skip" >&2
  exit 0
fi
echo "installing Debian packages: ${need[*]}" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null 2>&1 \
  || echo "note: could not install ${need[*]}; those tests will skip" >&2
exit 0
