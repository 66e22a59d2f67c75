#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for producer-discovery: PostgreSQL 15 with pg_cron from
# Debian's packages (used by the embedded database and the tests), Chromium and its driver
# (the web app's browser tests), a virtualenv in .venv and the project in it (editable, with
# the test tools).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(postgresql-15 postgresql-15-cron chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing ${missing[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
echo "ready: . .venv/bin/activate, then producer-discovery --help" >&2
