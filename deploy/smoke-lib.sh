# Helpers of deploy/smoke (sourced): a table of checks, timings, polling, and reading the services' endpoints.
# shellcheck shell=bash

rows=()
failed=0
say() { echo "smoke: $*" >&2; }
record() {  # name, ok|FAIL, detail
  rows+=("$1|$2|$3"); say "$2  $1: $3"
  [ "$2" = ok ] || failed=1
}
die() { record "$1" FAIL "$2"; exit 1; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
secs() { awk -v m="$1" 'BEGIN { printf "%.1f s", m / 1000 }'; }
mb() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
metric() { curl -sf "$1/q/metrics" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $NF } END { print s + 0 }'; }

# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s, with a progress line every 10 s.
wait_until() {
  local limit=$1 what=$2 t0 next=10; shift 2; t0=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    local el=$(( $(date +%s) - t0 ))
    [ "$el" -lt "$limit" ] || return 1
    if [ "$el" -ge "$next" ]; then say "waiting for $what (${el} s)"; next=$(( next + 10 )); fi
    sleep 0.2
  done
}
running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
ready() { running "$1" && curl -sf "$2/q/health/ready"; }

table() {
  echo
  printf '%-36s %-5s %s\n' check result detail
  printf '%-36s %-5s %s\n' ------------------------------------ ----- ------------------------------------------
  for r in "${rows[@]}"; do IFS='|' read -r n s d <<<"$r"; printf '%-36s %-5s %s\n' "$n" "$s" "$d"; done
  if [ "$failed" = 0 ] && [ "$1" = 0 ]; then echo "all checks passed"; else echo "FAILED (exit $1; logs in $work)"; fi
}
