# shellcheck shell=bash disable=SC2034 # constants below are used by the scripts that source this file
# Shared helpers for scripts/infra/*.sh. Source it; do not execute it.
#
#   REPO_ROOT          the repository root (derived from this file's location)
#   TESSERA_CACHE_DIR  installs and build caches   (default: $HOME/.cache/tessera)
#   TESSERA_RUN_DIR    data, logs, pid files, env  (default: $REPO_ROOT/tmp/infra)
#
# All services listen on 127.0.0.1 only.

if [[ -n "${_TESSERA_INFRA_COMMON_SOURCED:-}" ]]; then
  return 0
fi
_TESSERA_INFRA_COMMON_SOURCED=1

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_DIR/../.." && pwd)"
TESSERA_CACHE_DIR="${TESSERA_CACHE_DIR:-$HOME/.cache/tessera}"
TESSERA_RUN_DIR="${TESSERA_RUN_DIR:-$REPO_ROOT/tmp/infra}"
export REPO_ROOT TESSERA_CACHE_DIR TESSERA_RUN_DIR

TESSERA_BIN_DIR="$TESSERA_CACHE_DIR/bin"
TESSERA_VENV_DIR="$TESSERA_CACHE_DIR/venv"
PID_DIR="$TESSERA_RUN_DIR/pids"
ENV_FILE="$TESSERA_RUN_DIR/env"

# ---- component constants shared by install/start/stop/status ----------------
LOOPBACK=127.0.0.1
SERVICES=(postgres kafka minio)

PG_BINDIR="${TESSERA_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
PG_PORT=55432
PG_DATA="$TESSERA_RUN_DIR/postgres"
PG_SOCKET_DIR="$TESSERA_RUN_DIR/postgres-socket"
PG_LOG="$TESSERA_RUN_DIR/postgres.log"
PG_PASSWORD_FILE="$TESSERA_RUN_DIR/postgres.password"
PG_APP_USER=tessera
PG_APP_DB=tessera

KAFKA_VERSION=3.9.2 # must match scripts/infra/kafka/pom.xml
KAFKA_HOME="$TESSERA_CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_MARKER="$KAFKA_HOME/.installed"
KAFKA_PORT=59092
KAFKA_CONTROLLER_PORT=59093
KAFKA_DIR="$TESSERA_RUN_DIR/kafka"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOG="$KAFKA_DIR/kafka.log"

# Keycloak, the OpenID provider of the Keycloak e2e spec (docs/security.md §5). Not a shared daemon:
# the spec starts its own server from this installation (test/e2e/support/keycloak.ts).
KEYCLOAK_VERSION=26.7.3
KEYCLOAK_HOME="$TESSERA_CACHE_DIR/keycloak-$KEYCLOAK_VERSION"
KEYCLOAK_MARKER="$KEYCLOAK_HOME/.installed"

MINIO_BIN="$TESSERA_BIN_DIR/minio"
MINIO_PORT=59000
MINIO_CONSOLE_PORT=59001
MINIO_DIR="$TESSERA_RUN_DIR/minio"
MINIO_DATA="$MINIO_DIR/data"
MINIO_LOG="$MINIO_DIR/minio.log"
MINIO_CREDENTIALS="$MINIO_DIR/credentials"
MINIO_BUCKET=tessera-test

# ---- logging ------------------------------------------------------------------
log() { printf '[infra] %s\n' "$*" >&2; }
warn() { printf '[infra] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[infra] ERROR: %s\n' "$*" >&2
  exit 1
}

# show_log_tail FILE [LINES]: print the end of a component log to stderr.
show_log_tail() {
  local file=$1 lines=${2:-40}
  if [[ -s "$file" ]]; then
    printf '[infra] ---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" | sed 's/^/[infra] | /' >&2
    printf '[infra] ---- end of %s ----\n' "$file" >&2
  else
    printf '[infra] (log %s is empty or missing)\n' "$file" >&2
  fi
}

# elapsed_since START_SECONDS -> "12s"
elapsed_since() { printf '%ss' "$((SECONDS - $1))"; }

# ---- small utilities ------------------------------------------------------------
require_cmd() {
  local cmd=$1 hint=${2:-}
  command -v "$cmd" >/dev/null 2>&1 || die "required command '$cmd' not found on PATH${hint:+ ($hint)}"
}

# random_hex NBYTES -> 2*NBYTES lowercase hex characters
random_hex() { od -An -vtx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# urlencode STRING (RFC 3986 unreserved characters kept)
urlencode() {
  local LC_ALL=C s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9.~_-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c" && out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

# write_private_file PATH CONTENT: atomically write a mode-600 file.
write_private_file() {
  local path=$1 content=$2 tmp
  tmp="$path.tmp.$$"
  (umask 077 && printf '%s\n' "$content" >"$tmp")
  mv -f "$tmp" "$path"
}

# ensure_run_dir: create the run dir (world-traversable: postgres runs as another user).
ensure_run_dir() {
  (umask 022 && mkdir -p "$TESSERA_RUN_DIR" "$PID_DIR")
  chmod 755 "$TESSERA_RUN_DIR"
}

# acquire_lock FILE: serialize concurrent infra scripts (fd 9; daemons must not inherit it).
acquire_lock() {
  local file=$1
  mkdir -p "$(dirname "$file")"
  exec 9>>"$file"
  if ! flock -n 9; then
    log "another infra script holds $file; waiting for it"
    flock 9
  fi
}

# run a command as the postgres OS user (PostgreSQL refuses to run as root).
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# ---- ports --------------------------------------------------------------------
# port_open HOST PORT: true when a TCP connect succeeds.
port_open() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# wait_for_port HOST PORT TIMEOUT_SECONDS: true once the port accepts connections.
wait_for_port() {
  local host=$1 port=$2 timeout=${3:-30} deadline
  deadline=$((SECONDS + timeout))
  until port_open "$host" "$port"; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.2
  done
}

# ---- pid files ------------------------------------------------------------------
# $PID_DIR/NAME.pid     : "<pid> <starttime>" (starttime = field 22 of /proc/<pid>/stat)
# $PID_DIR/NAME.cmdline : the exact argv (NUL-separated), compared with /proc/<pid>/cmdline
# A process only counts as ours when pid, start time AND argv all match, so a stale
# pid file whose pid was reused by some other process never leads to a kill.

pid_file() { printf '%s/%s.pid' "$PID_DIR" "$1"; }
cmdline_file() { printf '%s/%s.cmdline' "$PID_DIR" "$1"; }

# proc_stat_field PID INDEX: fields after "(comm)"; 0 = state, 19 = starttime.
proc_stat_field() {
  local stat rest fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  read -r -a fields <<<"$rest"
  printf '%s' "${fields[$2]}"
}

# proc_matches PID STARTTIME CMDLINE_FILE
proc_matches() {
  local pid=$1 start=$2 cmdf=$3 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(proc_stat_field "$pid" 0) || return 1
  [[ $state != Z && $state != X ]] || return 1
  [[ $(proc_stat_field "$pid" 19) == "$start" ]] || return 1
  # Through a pipe: /proc files report size 0, and cmp short-cuts on differing sizes.
  # shellcheck disable=SC2002 # the cat is the point
  cat "/proc/$pid/cmdline" 2>/dev/null | cmp -s - "$cmdf"
}

# daemon_pid NAME: print the pid and succeed only if NAME's recorded process is alive.
daemon_pid() {
  local name=$1 pidf cmdf pid start
  pidf=$(pid_file "$name")
  cmdf=$(cmdline_file "$name")
  [[ -f $pidf && -f $cmdf ]] || return 1
  read -r pid start <"$pidf" || return 1
  proc_matches "$pid" "$start" "$cmdf" || return 1
  printf '%s' "$pid"
}

# start_daemon NAME LOGFILE CMD [ARGS...]: start CMD detached (new session, stdin
# /dev/null, stdout+stderr appended to LOGFILE) and record its pid, start time and argv.
start_daemon() {
  local name=$1 logfile=$2 pidf cmdf tmp pid start i
  shift 2
  pidf=$(pid_file "$name")
  cmdf=$(cmdline_file "$name")
  tmp="$pidf.starting"
  mkdir -p "$PID_DIR"
  rm -f "$tmp" "$pidf"
  printf '%s\0' "$@" >"$cmdf"
  # The inner shell records its own pid and then exec()s the command, so the pid is
  # the daemon's even if setsid had to fork. fd 9 (the infra lock) is not inherited.
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'echo "$$" >"$0.part" && mv -f "$0.part" "$0" && exec "$@"' "$tmp" "$@" \
    </dev/null >>"$logfile" 2>&1 9>&- &
  for ((i = 0; i < 100; i++)); do
    [[ -s $tmp ]] && break
    sleep 0.05
  done
  [[ -s $tmp ]] || die "$name: process did not start (see $logfile)"
  pid=$(<"$tmp")
  rm -f "$tmp"
  start=$(proc_stat_field "$pid" 19) || {
    show_log_tail "$logfile"
    die "$name: process $pid exited immediately (log: $logfile)"
  }
  printf '%s %s\n' "$pid" "$start" >"$pidf"
  # Wait until the inner shell has exec()ed the command, so daemon_pid matches.
  for ((i = 0; i < 100; i++)); do
    proc_matches "$pid" "$start" "$cmdf" && return 0
    [[ -d /proc/$pid ]] || break
    sleep 0.05
  done
  show_log_tail "$logfile"
  die "$name: process $pid exited or never became '$1' (log: $logfile)"
}

# stop_daemon NAME [TIMEOUT]: SIGTERM the recorded process, wait, SIGKILL after TIMEOUT.
# Returns 0 if it stopped something, 1 if it was not running (stale pid files removed).
stop_daemon() {
  local name=$1 timeout=${2:-30} pidf cmdf pid start tries
  pidf=$(pid_file "$name")
  cmdf=$(cmdline_file "$name")
  if ! pid=$(daemon_pid "$name"); then
    if [[ -f $pidf ]]; then
      log "$name: pid file $pidf is stale (process gone or not the recorded command); removing it, killing nothing"
      rm -f "$pidf" "$cmdf"
    fi
    return 1
  fi
  read -r _ start <"$pidf"
  log "$name: stopping pid $pid (SIGTERM, up to ${timeout}s)"
  kill -TERM "$pid" 2>/dev/null || true
  tries=$((timeout * 10))
  while proc_matches "$pid" "$start" "$cmdf"; do
    if ((tries-- <= 0)); then
      warn "$name: pid $pid still alive after ${timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      tries=100
      while proc_matches "$pid" "$start" "$cmdf"; do
        ((tries-- > 0)) || die "$name: pid $pid survived SIGKILL for 10s"
        sleep 0.1
      done
      break
    fi
    sleep 0.1
  done
  rm -f "$pidf" "$cmdf"
  return 0
}

# ---- component state ------------------------------------------------------------
# pg_pid: pid of the postmaster serving $PG_DATA, read from its postmaster.pid and
# verified against /proc (so a stale file whose pid was reused never counts, and
# pg_ctl stop is never pointed at somebody else's process).
pg_pid() {
  local pid state
  pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(proc_stat_field "$pid" 0) || return 1
  [[ $state != Z && $state != X ]] || return 1
  # shellcheck disable=SC2002 # read /proc through a pipe (see proc_matches)
  cat "/proc/$pid/cmdline" 2>/dev/null | cmp -s - <(printf '%s\0' "$PG_BINDIR/postgres" -D "$PG_DATA") || return 1
  printf '%s' "$pid"
}

pg_running() { pg_pid >/dev/null; }

# service_pid NAME: pid of a running service started by start.sh.
service_pid() {
  case $1 in
    postgres) pg_pid ;;
    *) daemon_pid "$1" ;;
  esac
}

service_port() {
  case $1 in
    postgres) echo "$PG_PORT" ;;
    kafka) echo "$KAFKA_PORT" ;;
    minio) echo "$MINIO_PORT" ;;
  esac
}

# service_up NAME: process recorded/alive AND its port answers.
service_up() {
  service_pid "$1" >/dev/null && port_open "$LOOPBACK" "$(service_port "$1")"
}

# read_kv_file FILE KEY: value of KEY=VALUE line.
read_kv_file() {
  local file=$1 key=$2 k v
  while IFS='=' read -r k v; do
    if [[ $k == "$key" ]]; then
      printf '%s' "$v"
      return 0
    fi
  done <"$file"
  return 1
}

# dcmtk_available: storescu on PATH is DCMTK's (pynetdicom's venv also ships a "storescu").
dcmtk_available() {
  command -v storescu >/dev/null 2>&1 && storescu --version 2>&1 | grep -qi dcmtk
}

# write_env_file: (re)write $TESSERA_RUN_DIR/env for whatever is running right now.
write_env_file() {
  local tmp pw access secret line
  local -a lines
  lines=(
    "# Generated by scripts/infra/start.sh / stop.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Source it:"
    "#   . $ENV_FILE"
    "export TESSERA_CACHE_DIR=$(printf '%q' "$TESSERA_CACHE_DIR")"
    "export TESSERA_RUN_DIR=$(printf '%q' "$TESSERA_RUN_DIR")"
    "case \":\${PATH}:\" in *:$(printf '%q' "$TESSERA_BIN_DIR"):*) ;; *) export PATH=$(printf '%q' "$TESSERA_BIN_DIR"):\"\${PATH}\" ;; esac"
  )
  if [[ -x $TESSERA_VENV_DIR/bin/python ]]; then
    lines+=("export TESSERA_PYTHON=$(printf '%q' "$TESSERA_VENV_DIR/bin/python")")
  else
    lines+=("unset TESSERA_PYTHON # venv missing: run scripts/infra/install.sh python")
  fi
  if [[ -f $KEYCLOAK_MARKER && -x $KEYCLOAK_HOME/bin/kc.sh ]]; then
    lines+=("export TEST_KEYCLOAK_HOME=$(printf '%q' "$KEYCLOAK_HOME")")
  else
    lines+=("unset TEST_KEYCLOAK_HOME # not installed: run scripts/infra/install.sh keycloak")
  fi
  if dcmtk_available; then
    lines+=("export TEST_DCMTK=1")
  else
    lines+=("unset TEST_DCMTK # DCMTK storescu not on PATH")
  fi

  if service_up postgres && [[ -f $PG_PASSWORD_FILE ]]; then
    pw=$(<"$PG_PASSWORD_FILE")
    line="postgres://$PG_APP_USER:$(urlencode "$pw")@$LOOPBACK:$PG_PORT/$PG_APP_DB"
    lines+=("# postgres: running" "export TEST_DATABASE_URL=$(printf '%q' "$line")" "export TEST_PG_ADMIN_URL=$(printf '%q' "$line")")
  else
    lines+=("# postgres: not running" "unset TEST_DATABASE_URL TEST_PG_ADMIN_URL")
  fi

  if service_up kafka; then
    lines+=("# kafka: running" "export TEST_KAFKA_BROKERS=$LOOPBACK:$KAFKA_PORT" "export TEST_BUS_URL=kafka://$LOOPBACK:$KAFKA_PORT")
  else
    lines+=("# kafka: not running" "unset TEST_KAFKA_BROKERS TEST_BUS_URL")
  fi

  if service_up minio && [[ -f $MINIO_CREDENTIALS ]]; then
    access=$(read_kv_file "$MINIO_CREDENTIALS" MINIO_ROOT_USER)
    secret=$(read_kv_file "$MINIO_CREDENTIALS" MINIO_ROOT_PASSWORD)
    line="s3+http://$(urlencode "$access"):$(urlencode "$secret")@$LOOPBACK:$MINIO_PORT/$MINIO_BUCKET"
    lines+=("# minio: running"
      "export TEST_S3_ENDPOINT=http://$LOOPBACK:$MINIO_PORT"
      "export TEST_S3_ACCESS_KEY=$(printf '%q' "$access")"
      "export TEST_S3_SECRET_KEY=$(printf '%q' "$secret")"
      "export TEST_BLOB_URL=$(printf '%q' "$line")")
  else
    lines+=("# minio: not running" "unset TEST_S3_ENDPOINT TEST_S3_ACCESS_KEY TEST_S3_SECRET_KEY TEST_BLOB_URL")
  fi

  tmp="$ENV_FILE.tmp.$$"
  (umask 077 && printf '%s\n' "${lines[@]}" >"$tmp")
  mv -f "$tmp" "$ENV_FILE"
}
