#!/usr/bin/env bash
# Stop what scripts/infra/start.sh started (by recorded pid only) and wait for it to exit.
#
#   scripts/infra/stop.sh [--purge] [component...]   (no components = postgres kafka minio)
#
# Data dirs stay in place so a later start.sh reuses them. --purge also deletes the
# stopped components' state; with no components it deletes the whole run dir.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_STOP_TIMEOUT=60
MINIO_STOP_TIMEOUT=30
PG_STOP_TIMEOUT=60

usage() {
  cat >&2 <<EOF
usage: $0 [--purge] [component...]
components (default: all): ${SERVICES[*]}
env: TESSERA_RUN_DIR=$TESSERA_RUN_DIR
EOF
}

stop_postgres() {
  if ! pg_running; then
    log "postgres: not running"
    return 0
  fi
  log "postgres: pg_ctl stop -m fast (pid $(pg_pid))"
  as_pg "$PG_BINDIR/pg_ctl" stop -D "$PG_DATA" -m fast -w -t "$PG_STOP_TIMEOUT" -s ||
    die "postgres: pg_ctl stop failed (log: $PG_LOG)"
  log "postgres: stopped"
}

stop_kafka() {
  if stop_daemon kafka "$KAFKA_STOP_TIMEOUT"; then log "kafka: stopped"; else log "kafka: not running"; fi
}

stop_minio() {
  if stop_daemon minio "$MINIO_STOP_TIMEOUT"; then log "minio: stopped"; else log "minio: not running"; fi
}

purge_component() {
  case $1 in
    postgres) rm -rf "$PG_DATA" "$PG_SOCKET_DIR" "$PG_LOG" "$PG_LOG.prev" "$PG_PASSWORD_FILE" ;;
    kafka) rm -rf "$KAFKA_DIR" ;;
    minio) rm -rf "$MINIO_DIR" ;;
  esac
  log "$1: purged its state under $TESSERA_RUN_DIR"
}

main() {
  local components=() purge=0 all=0 c i
  for c in "$@"; do
    case $c in
      -h | --help) usage && exit 0 ;;
      --purge) purge=1 ;;
      postgres | kafka | minio) components+=("$c") ;;
      *) usage && die "unknown argument '$c'" ;;
    esac
  done
  if ((${#components[@]} == 0)); then
    components=("${SERVICES[@]}")
    all=1
  fi
  if [[ ! -d $TESSERA_RUN_DIR ]]; then
    log "nothing to stop: $TESSERA_RUN_DIR does not exist"
    return 0
  fi
  acquire_lock "$TESSERA_RUN_DIR/.lock"
  # Reverse start order.
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do
    "stop_${components[i]}"
  done

  if ((purge)); then
    if ((all)); then
      case $TESSERA_RUN_DIR in
        / | "$HOME" | "$REPO_ROOT" | "$TESSERA_CACHE_DIR") die "refusing to purge TESSERA_RUN_DIR=$TESSERA_RUN_DIR" ;;
      esac
      rm -rf "$TESSERA_RUN_DIR"
      log "purged $TESSERA_RUN_DIR"
      return 0
    fi
    for c in "${components[@]}"; do purge_component "$c"; done
  fi
  write_env_file
  log "env updated: $ENV_FILE"
}

main "$@"
