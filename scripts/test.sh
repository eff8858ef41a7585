#!/usr/bin/env bash
# Lint, type-check and run every test, the slow ones too (`make check` leaves those out),
# against SQLite and a real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
export PREFECT_HOME="${PREFECT_HOME:-$PWD/var/prefect}"
mkdir -p "$PREFECT_HOME"

# PostgreSQL: the local server (127.0.0.1:5432, user postgres). Start it if it is down.
export FENGQIAO_TEST_PG="${FENGQIAO_TEST_PG:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

# Chromium for the browser tests (Debian's package; never a downloaded browser build), and
# CJK fonts so the screenshots they keep are legible. Installed once; later runs skip this.
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  fi
fi

$BIN/ruff check .
$BIN/ruff format --check .
$BIN/mypy
# On every CPU (up to four workers): each worker copies its own databases from its own
# templates, and every test picks free ports, so the workers never meet.
$BIN/pytest --numprocesses=auto --maxprocesses=4 "$@"
