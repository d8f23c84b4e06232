#!/usr/bin/env bash
# A throwaway PostgreSQL server for the engine tests and local trials: Debian's packages,
# listening on 127.0.0.1 only, its data directory created by `start` and deleted by `stop`.
#
#   scripts/postgres.sh start    install PostgreSQL if missing, initdb, start, create the
#                                warehouse database (C collation) and the four roles
#   scripts/postgres.sh env      print the CLEANSLATE_PG_* variables to connect (eval them)
#   scripts/postgres.sh status   exit 0 when the server answers
#   scripts/postgres.sh stop     stop the server and delete its directory
#
# CLEANSLATE_PG_DIR   where the server lives (default: ${TMPDIR:-/tmp}/cleanslate-pg)
# CLEANSLATE_PG_PORT  the port (default: a free port the OS picks; two servers started at
#                     once, as two test workers may, never pick the same one)
# Role passwords are throwaway ones (CLEANSLATE_PG_PASSWORD, default cleanslate-local); the
# superuser `postgres` connects over the Unix socket in the directory only.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${CLEANSLATE_PG_DIR:-${TMPDIR:-/tmp}/cleanslate-pg}"
DB=cleanslate
PASSWORD="${CLEANSLATE_PG_PASSWORD:-cleanslate-local}"

pg_bin() {
    local initdb
    initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$initdb" ]]; then
        echo "postgres.sh: installing PostgreSQL (apt-get install postgresql)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
        initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"
    fi
    dirname "$initdb"
}

# Run a command as the `postgres` system user (the server refuses to run as root).
as_postgres() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

port() { cat "$DIR/port"; }

status() {
    [[ -f "$DIR/port" ]] || return 1
    "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$(port)"
}

start() {
    if status; then
        echo "postgres.sh: already running on 127.0.0.1:$(port) ($DIR)" >&2
        return 0
    fi
    local bin
    bin="$(pg_bin)"
    rm -rf "$DIR"
    mkdir -p "$DIR/data" "$DIR/run"
    echo "${CLEANSLATE_PG_PORT:-$(free_port)}" > "$DIR/port"
    if [[ "$(id -u)" == 0 ]]; then
        chown -R postgres: "$DIR"
        if ! runuser -u postgres -- test -w "$DIR"; then
            echo "postgres.sh: the postgres user cannot reach $DIR (a parent folder is private);" \
                 "choose another CLEANSLATE_PG_DIR" >&2
            exit 1
        fi
    fi
    chmod 700 "$DIR/data"
    as_postgres "$bin/initdb" -D "$DIR/data" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 > "$DIR/initdb.log"
    as_postgres "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/pg.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $(port) -k $DIR/run -c fsync=off -c full_page_writes=off" start >&2
    local psql=("$bin/psql" -v ON_ERROR_STOP=1 -q -h "$DIR/run" -p "$(port)" -U postgres)
    as_postgres "${psql[@]}" -d postgres \
        -c "create database $DB template template0 encoding 'UTF8' locale 'C'" >&2
    as_postgres "${psql[@]}" -d "$DB" -f "$HERE/postgres_roles.sql" \
        -v loader_password="$PASSWORD" -v transformer_password="$PASSWORD" \
        -v analyst_password="$PASSWORD" -v auditor_password="$PASSWORD" >&2
    echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$(port), database $DB ($DIR)" >&2
}

stop() {
    if [[ -d "$DIR/data" ]]; then
        as_postgres "$(pg_bin)/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >&2 || true
    fi
    rm -rf "$DIR"
}

env_vars() {
    [[ -f "$DIR/port" ]] || { echo "postgres.sh: not started ($DIR)" >&2; exit 1; }
    cat <<EOF
export CLEANSLATE_PG_HOST=127.0.0.1
export CLEANSLATE_PG_PORT=$(port)
export CLEANSLATE_PG_DATABASE=$DB
export CLEANSLATE_PG_LOADER_USER=cleanslate_loader
export CLEANSLATE_PG_LOADER_PASSWORD=$PASSWORD
export CLEANSLATE_PG_TRANSFORMER_USER=cleanslate_transformer
export CLEANSLATE_PG_TRANSFORMER_PASSWORD=$PASSWORD
export CLEANSLATE_PG_ANALYST_USER=cleanslate_analyst
export CLEANSLATE_PG_ANALYST_PASSWORD=$PASSWORD
export CLEANSLATE_PG_AUDITOR_USER=cleanslate_auditor
export CLEANSLATE_PG_AUDITOR_PASSWORD=$PASSWORD
EOF
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    env) env_vars ;;
    *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
