#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server and CALLBOARD_TEST_POSTGRES
# pointing at it. Uses the server binaries on this machine (Debian's
# postgresql package); as root it runs the server as the postgres user.
set -euo pipefail

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bindir="$d"
done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
  bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ]; then
  echo "with-postgres: no PostgreSQL server binaries found (apt-get install -y postgresql)" >&2
  exit 1
fi

data=$(mktemp -d /tmp/callboard-pg.XXXXXX)
port=${CALLBOARD_PG_PORT:-55432}
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$data" postgres
  chown postgres "$data"
  as_pg() { runuser -u postgres -- "$@"; }
fi

as_pg "$bindir/initdb" -D "$data/db" -A trust -U postgres >"$data/initdb.log" 2>&1 || {
  cat "$data/initdb.log" >&2; exit 1; }
as_pg "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
  -o "-k $data -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
stop() { as_pg "$bindir/pg_ctl" -D "$data/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$data"; }
trap stop EXIT

export CALLBOARD_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
"$@"
