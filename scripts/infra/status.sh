#!/usr/bin/env bash
# One line per component: running (pid, address) or stopped.
#
#   scripts/infra/status.sh [component...]     (no arguments = postgres kafka minio)
#
# Exit status: 0 when every listed component is running, 3 otherwise.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

main() {
  local components=() c pid port rc=0
  for c in "$@"; do
    case $c in
      postgres | kafka | minio) components+=("$c") ;;
      *) die "unknown component '$c' (known: ${SERVICES[*]})" ;;
    esac
  done
  ((${#components[@]} > 0)) || components=("${SERVICES[@]}")
  for c in "${components[@]}"; do
    port=$(service_port "$c")
    if pid=$(service_pid "$c"); then
      if port_open "$LOOPBACK" "$port"; then
        printf '%-9s running   pid %-8s %s:%s\n' "$c" "$pid" "$LOOPBACK" "$port"
      else
        printf '%-9s starting  pid %-8s %s:%s (port not answering)\n' "$c" "$pid" "$LOOPBACK" "$port"
        rc=3
      fi
    else
      printf '%-9s stopped\n' "$c"
      rc=3
    fi
  done
  return "$rc"
}

main "$@"
