#!/usr/bin/env bash
# Project-local PostgreSQL + PostGIS cluster, used when DATABASE_URL is not set.
# usage: scripts/pg.sh start|stop|status|url
# The cluster lives in var/pg (or, when running as root from a directory the postgres user
# cannot traverse, in /var/tmp/beco-pg-<hash> with var/pg pointing to it). It listens on
# 127.0.0.1:$BECO_PG_PORT (default 54329) with trust authentication for the role "beco",
# and never touches a system cluster.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${BECO_PG_PORT:-54329}
ROLE=beco
DB=beco
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
LINK="$ROOT/var/pg"

as_pg() {
  # From /, so the postgres user is not asked to enter a checkout it cannot read.
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

data_dir() {
  if [ -L "$LINK" ]; then readlink -f "$LINK"; return; fi
  if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$ROOT/var"; then
    echo "$LINK"
  else
    echo "/var/tmp/beco-pg-$(echo -n "$ROOT" | md5sum | cut -c1-12)"
  fi
}

init_cluster() {
  local dir=$1
  mkdir -p "$ROOT/var"
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$dir" && chown postgres:postgres "$dir" && chmod 700 "$dir"
    [ "$dir" = "$LINK" ] || ln -sfn "$dir" "$LINK"
  else
    mkdir -p "$dir" && chmod 700 "$dir"
  fi
  echo "Creating the project-local PostgreSQL cluster in $dir"
  as_pg "$PGBIN/initdb" -D "$dir" -A trust -U "$ROLE" -E UTF8 --locale=C.UTF-8 >/dev/null
}

start() {
  local dir; dir=$(data_dir)
  [ -f "$dir/PG_VERSION" ] || init_cluster "$dir"
  if as_pg "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    return 0
  fi
  as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=100 -c shared_buffers=256MB" start >/dev/null \
    || { echo "PostgreSQL did not start; see $dir/server.log:" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
  if ! "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$ROLE" "$DB"
  fi
  echo "PostgreSQL+PostGIS running on 127.0.0.1:$PORT (data in $dir)"
}

stop() {
  local dir; dir=$(data_dir)
  if [ -f "$dir/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null && echo "PostgreSQL stopped."
  else
    echo "PostgreSQL is not running."
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) as_pg "$PGBIN/pg_ctl" -D "$(data_dir)" status ;;
  url) echo "postgis://$ROLE@127.0.0.1:$PORT/$DB" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
