#!/usr/bin/env bash
# Start the integration-test services on loopback ports and write $TESSERA_RUN_DIR/env.
#
#   scripts/infra/start.sh [component...]     (no arguments = postgres kafka minio)
#
# Idempotent: a component whose recorded process is alive and whose port answers is
# left alone. Data dirs under $TESSERA_RUN_DIR are reused across stop/start.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_READY_TIMEOUT=60
KAFKA_READY_TIMEOUT=120
MINIO_READY_TIMEOUT=60

usage() {
  cat >&2 <<EOF
usage: $0 [component...]
components (default: all): ${SERVICES[*]}
env: TESSERA_RUN_DIR=$TESSERA_RUN_DIR TESSERA_CACHE_DIR=$TESSERA_CACHE_DIR
EOF
}

# fail_start NAME LOGFILE MESSAGE: print the log tail and exit non-zero.
fail_start() {
  show_log_tail "$2"
  die "$1: $3"
}

# assert_port_free NAME PORT: refuse to start when something else owns the port.
assert_port_free() {
  local name=$1 port=$2
  if port_open "$LOOPBACK" "$port"; then
    ss -ltnp "sport = :$port" 2>/dev/null | sed 's/^/[infra] | /' >&2 || true
    die "$name: $LOOPBACK:$port is already in use by a process that $TESSERA_RUN_DIR did not start"
  fi
}

# wait_daemon_ready NAME LOGFILE TIMEOUT CHECK...: poll CHECK until it succeeds, failing
# fast (with the log tail) if the recorded process exits.
wait_daemon_ready() {
  local name=$1 logfile=$2 timeout=$3 deadline
  shift 3
  deadline=$((SECONDS + timeout))
  until "$@"; do
    daemon_pid "$name" >/dev/null || fail_start "$name" "$logfile" "process exited before becoming ready (log: $logfile)"
    ((SECONDS < deadline)) || fail_start "$name" "$logfile" "not ready after ${timeout}s (log: $logfile)"
    sleep 0.3
  done
}

# rotate_log FILE: keep the previous run's log as FILE.prev; readiness greps a fresh file.
rotate_log() {
  if [[ -f $1 ]]; then
    mv -f "$1" "$1.prev"
  fi
  : >"$1"
}

# ---- postgres ------------------------------------------------------------------------
# pg_psql_admin: run SQL from stdin as the postgres superuser over the Unix socket.
pg_psql_admin() {
  as_pg "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres
}

pg_app_login_ok() {
  PGPASSWORD="$1" PGCONNECT_TIMEOUT=5 "$PG_BINDIR/psql" -X -qAt \
    "postgresql://$PG_APP_USER@$LOOPBACK:$PG_PORT/$PG_APP_DB" -c 'select 1' >/dev/null 2>&1
}

# Create role/database once; (re)set the password only if logging in with it fails.
pg_ensure_app_role() {
  local pw=$1
  if pg_app_login_ok "$pw"; then
    return 0
  fi
  log "postgres: creating/updating role $PG_APP_USER and database $PG_APP_DB"
  pg_psql_admin <<SQL
\\set pw '$pw'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_APP_USER') AS need_role \\gset
\\if :need_role
CREATE ROLE $PG_APP_USER LOGIN CREATEDB PASSWORD :'pw';
\\else
ALTER ROLE $PG_APP_USER LOGIN CREATEDB PASSWORD :'pw';
\\endif
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_APP_DB') AS need_db \\gset
\\if :need_db
CREATE DATABASE $PG_APP_DB OWNER $PG_APP_USER;
\\endif
SQL
  pg_app_login_ok "$pw" || die "postgres: cannot log in as $PG_APP_USER over TCP after creating the role"
}

pg_write_config() {
  local conf="$PG_DATA/tessera.conf"
  cat >"$conf.tmp" <<EOF
# Managed by scripts/infra/start.sh (rewritten on every start).
listen_addresses = '$LOOPBACK'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 200
shared_buffers = 256MB
# Durability is under test: keep it on.
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  mv -f "$conf.tmp" "$conf"
  chmod 600 "$conf"
  if [[ $EUID -eq 0 ]]; then chown postgres:postgres "$conf"; fi
  if ! grep -q "^include_if_exists = 'tessera.conf'" "$PG_DATA/postgresql.conf"; then
    printf "\n# Tessera test settings (scripts/infra/start.sh)\ninclude_if_exists = 'tessera.conf'\n" >>"$PG_DATA/postgresql.conf"
  fi
}

start_postgres() {
  local pw pid
  [[ -x $PG_BINDIR/pg_ctl && -x $PG_BINDIR/initdb ]] ||
    die "postgres: PostgreSQL 15 binaries not found in $PG_BINDIR (run scripts/infra/install.sh apt)"
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "postgres: OS user 'postgres' missing (run scripts/infra/install.sh apt)"
    runuser -u postgres -- test -x "$TESSERA_RUN_DIR" ||
      die "postgres: user 'postgres' cannot reach $TESSERA_RUN_DIR (a parent dir is not world-executable); set TESSERA_RUN_DIR elsewhere"
  fi
  ((${#PG_SOCKET_DIR} + 16 < 108)) ||
    die "postgres: socket path $PG_SOCKET_DIR/.s.PGSQL.$PG_PORT is too long for a Unix socket; use a shorter TESSERA_RUN_DIR"

  if [[ ! -f $PG_PASSWORD_FILE ]]; then
    write_private_file "$PG_PASSWORD_FILE" "$(random_hex 24)"
  fi
  pw=$(<"$PG_PASSWORD_FILE")

  if pid=$(pg_pid); then
    wait_for_port "$LOOPBACK" "$PG_PORT" "$PG_READY_TIMEOUT" ||
      fail_start postgres "$PG_LOG" "running (pid $pid) but $LOOPBACK:$PG_PORT does not answer"
    pg_ensure_app_role "$pw"
    log "postgres: already running (pid $pid) on $LOOPBACK:$PG_PORT"
    return 0
  fi
  assert_port_free postgres "$PG_PORT"

  mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
  touch "$PG_LOG"
  chmod 700 "$PG_DATA"
  if [[ $EUID -eq 0 ]]; then
    chown postgres:postgres "$PG_DATA" "$PG_SOCKET_DIR" "$PG_LOG"
  fi
  if [[ -f $PG_DATA/postmaster.pid ]]; then
    # Not our running postmaster (pg_pid failed). If its pid is dead or is no postgres
    # at all (pid reused after a crash/reboot), the lock file is stale: drop it.
    pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    if [[ ! $pid =~ ^[0-9]+$ ]] || ! { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q postgres; then
      log "postgres: removing stale $PG_DATA/postmaster.pid (pid ${pid:-?} is not a postgres)"
      rm -f "$PG_DATA/postmaster.pid"
    fi
  fi
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    [[ -z $(ls -A "$PG_DATA") ]] || die "postgres: $PG_DATA is not empty but holds no cluster; move it away"
    log "postgres: initdb $PG_DATA"
    as_pg "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1 ||
      fail_start postgres "$PG_LOG" "initdb failed"
  fi
  pg_write_config

  log "postgres: starting on $LOOPBACK:$PG_PORT (data $PG_DATA)"
  as_pg "$PG_BINDIR/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_READY_TIMEOUT" -s 9>&- ||
    fail_start postgres "$PG_LOG" "pg_ctl start failed"
  wait_for_port "$LOOPBACK" "$PG_PORT" "$PG_READY_TIMEOUT" ||
    fail_start postgres "$PG_LOG" "$LOOPBACK:$PG_PORT does not answer"
  pg_ensure_app_role "$pw"
  log "postgres: ready (pid $(pg_pid))"
}

# ---- kafka ---------------------------------------------------------------------------
KAFKA_JAVA=(java -Xmx512m -cp "$KAFKA_LIBS/*" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties")

kafka_java() { "${KAFKA_JAVA[@]}" "$@"; }

kafka_write_config() {
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Managed by scripts/infra/start.sh (rewritten on every start).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$LOOPBACK:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$LOOPBACK:$KAFKA_PORT,CONTROLLER://$LOOPBACK:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$LOOPBACK:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=4
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  cat >"$KAFKA_DIR/log4j.properties" <<'EOF'
# Managed by scripts/infra/start.sh.
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# start.sh waits for "Kafka Server started", logged at INFO by this class.
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
}

# Format the log dir exactly once; never reformat (a restart must keep the data).
kafka_format_once() {
  local id_file="$KAFKA_DIR/cluster.id" meta="$KAFKA_DATA/meta.properties" id meta_id
  if [[ -f $meta ]]; then
    meta_id=$(read_kv_file "$meta" cluster.id) || die "kafka: no cluster.id in $meta"
    if [[ ! -f $id_file ]]; then
      printf '%s\n' "$meta_id" >"$id_file"
    elif [[ $(<"$id_file") != "$meta_id" ]]; then
      die "kafka: $id_file ($(<"$id_file")) disagrees with $meta ($meta_id); refusing to touch the data"
    fi
    return 0
  fi
  if [[ -d $KAFKA_DATA && -n $(ls -A "$KAFKA_DATA") ]]; then
    die "kafka: $KAFKA_DATA is not empty but has no meta.properties; refusing to format it"
  fi
  if [[ -f $id_file ]]; then
    id=$(<"$id_file")
  else
    id=$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_DIR/format.log") ||
      fail_start kafka "$KAFKA_DIR/format.log" "StorageTool random-uuid failed"
    printf '%s\n' "$id" >"$id_file"
  fi
  log "kafka: formatting $KAFKA_DATA (cluster id $id)"
  mkdir -p "$KAFKA_DATA"
  kafka_java kafka.tools.StorageTool format -t "$id" -c "$KAFKA_DIR/server.properties" \
    >>"$KAFKA_DIR/format.log" 2>&1 ||
    fail_start kafka "$KAFKA_DIR/format.log" "StorageTool format failed"
}

kafka_ready() {
  port_open "$LOOPBACK" "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_LOG"
}

start_kafka() {
  local pid
  [[ -f $KAFKA_MARKER && -d $KAFKA_LIBS ]] ||
    die "kafka: Kafka $KAFKA_VERSION jars not installed in $KAFKA_LIBS (run scripts/infra/install.sh kafka)"
  require_cmd java "install a JRE >= 11, e.g. Debian's default-jre-headless"
  if pid=$(daemon_pid kafka); then
    wait_daemon_ready kafka "$KAFKA_LOG" "$KAFKA_READY_TIMEOUT" kafka_ready
    log "kafka: already running (pid $pid) on $LOOPBACK:$KAFKA_PORT"
    return 0
  fi
  assert_port_free kafka "$KAFKA_PORT"
  assert_port_free kafka "$KAFKA_CONTROLLER_PORT"
  mkdir -p "$KAFKA_DIR"
  kafka_write_config
  kafka_format_once
  rotate_log "$KAFKA_LOG"
  log "kafka: starting $KAFKA_VERSION (KRaft) on $LOOPBACK:$KAFKA_PORT (data $KAFKA_DATA)"
  start_daemon kafka "$KAFKA_LOG" "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties"
  wait_daemon_ready kafka "$KAFKA_LOG" "$KAFKA_READY_TIMEOUT" kafka_ready
  log "kafka: ready (pid $(daemon_pid kafka), cluster id $(<"$KAFKA_DIR/cluster.id"))"
}

# ---- minio ---------------------------------------------------------------------------
minio_ready() {
  curl -sf -o /dev/null --max-time 2 "http://$LOOPBACK:$MINIO_PORT/minio/health/ready"
}

# minio_s3 METHOD PATH: signed S3 request; prints the HTTP status. Credentials go to
# curl through its stdin config, never on a command line.
minio_s3() {
  local access secret method=(-X "$1")
  [[ $1 != HEAD ]] || method=(--head)
  access=$(read_kv_file "$MINIO_CREDENTIALS" MINIO_ROOT_USER)
  secret=$(read_kv_file "$MINIO_CREDENTIALS" MINIO_ROOT_PASSWORD)
  printf 'user = "%s:%s"\n' "$access" "$secret" |
    curl -s -K - -o /dev/null -w '%{http_code}' --max-time 10 \
      --aws-sigv4 "aws:amz:us-east-1:s3" "${method[@]}" "http://$LOOPBACK:$MINIO_PORT/$2"
}

minio_ensure_bucket() {
  local code
  code=$(minio_s3 HEAD "$MINIO_BUCKET") || true
  [[ $code == 200 ]] && return 0
  code=$(minio_s3 PUT "$MINIO_BUCKET") || true
  [[ $code == 200 ]] || die "minio: creating bucket $MINIO_BUCKET failed (HTTP $code)"
  log "minio: created bucket $MINIO_BUCKET"
}

start_minio() {
  local pid
  [[ -x $MINIO_BIN ]] || die "minio: $MINIO_BIN not installed (run scripts/infra/install.sh minio)"
  require_cmd curl "Debian package curl"
  [[ ! -e $MINIO_DATA || -d $MINIO_DATA ]] || die "minio: $MINIO_DATA exists and is not a directory"
  mkdir -p "$MINIO_DATA"
  if [[ ! -f $MINIO_CREDENTIALS ]]; then
    write_private_file "$MINIO_CREDENTIALS" "MINIO_ROOT_USER=tessera$(random_hex 8)
MINIO_ROOT_PASSWORD=$(random_hex 20)"
  fi
  if pid=$(daemon_pid minio); then
    wait_daemon_ready minio "$MINIO_LOG" "$MINIO_READY_TIMEOUT" minio_ready
    minio_ensure_bucket
    log "minio: already running (pid $pid) on $LOOPBACK:$MINIO_PORT"
    return 0
  fi
  assert_port_free minio "$MINIO_PORT"
  assert_port_free minio "$MINIO_CONSOLE_PORT"
  rotate_log "$MINIO_LOG"
  log "minio: starting on $LOOPBACK:$MINIO_PORT, console $LOOPBACK:$MINIO_CONSOLE_PORT (data $MINIO_DATA)"
  (
    # Credentials reach MinIO through its environment only (not visible in ps).
    MINIO_ROOT_USER=$(read_kv_file "$MINIO_CREDENTIALS" MINIO_ROOT_USER)
    MINIO_ROOT_PASSWORD=$(read_kv_file "$MINIO_CREDENTIALS" MINIO_ROOT_PASSWORD)
    export MINIO_ROOT_USER MINIO_ROOT_PASSWORD MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off
    start_daemon minio "$MINIO_LOG" "$MINIO_BIN" server \
      --address "$LOOPBACK:$MINIO_PORT" --console-address "$LOOPBACK:$MINIO_CONSOLE_PORT" "$MINIO_DATA"
  )
  wait_daemon_ready minio "$MINIO_LOG" "$MINIO_READY_TIMEOUT" minio_ready
  minio_ensure_bucket
  log "minio: ready (pid $(daemon_pid minio))"
}

# ---- main ----------------------------------------------------------------------------
main() {
  local components=() c t0 t_all
  for c in "$@"; do
    case $c in
      -h | --help) usage && exit 0 ;;
      postgres | kafka | minio) components+=("$c") ;;
      *) usage && die "unknown component '$c'" ;;
    esac
  done
  ((${#components[@]} > 0)) || components=("${SERVICES[@]}")

  ensure_run_dir
  acquire_lock "$TESSERA_RUN_DIR/.lock"
  t_all=$SECONDS
  for c in "${components[@]}"; do
    t0=$SECONDS
    "start_$c"
    log "$c: ok ($(elapsed_since "$t0"))"
  done
  write_env_file
  log "started: ${components[*]} ($(elapsed_since "$t_all")); env: . $ENV_FILE"
}

main "$@"
