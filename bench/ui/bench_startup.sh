#!/usr/bin/env bash
# Cold start of the lane in a real window under Xvfb: process start -> first frame (the
# start-up screen) and -> in service (the first welcome screen, every engine loaded), as
# the kiosk prints them ("kiosk: start-up: ..."), over N runs (default 5); then SIGTERM ->
# exit. Prints each run and the p50 of each figure.
#
#   bench/ui/bench_startup.sh build/kiosk/kiosk [RUNS] [CONFIG]
set -euo pipefail
KIOSK=${1:?usage: bench_startup.sh KIOSK_BIN [RUNS] [CONFIG]}
RUNS=${2:-5}
CONFIG=${3:-$(dirname "$0")/../../assets/config/kiosk.json}
WORK=$(mktemp -d /tmp/kiosk-bench-startup.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
first=() service=() term=()
for i in $(seq 1 "$RUNS"); do
  log="$WORK/run$i.log"
  # Xvfb first, then the kiosk on it: the figures are the kiosk's own, not the X server's start.
  Xvfb :$((90 + i)) -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
  xpid=$!
  sleep 1
  DISPLAY=:$((90 + i)) "$KIOSK" --windowed --config "$CONFIG" >"$log" 2>&1 &
  kpid=$!
  for _ in $(seq 1 600); do grep -q "in service" "$log" && break; sleep 0.05; done
  sleep 1
  t0=$(date +%s%N)
  kill -TERM "$kpid"
  wait "$kpid" || true
  t1=$(date +%s%N)
  kill "$xpid" 2>/dev/null || true
  wait "$xpid" 2>/dev/null || true
  f=$(sed -n 's/.*first frame after \([0-9]*\) ms.*/\1/p' "$log" | head -1)
  s=$(sed -n 's/.*in service (welcome screen) after \([0-9]*\) ms.*/\1/p' "$log" | head -1)
  tt=$(( (t1 - t0) / 1000000 ))
  echo "run $i: first frame ${f:-?} ms, in service ${s:-?} ms, SIGTERM to exit ${tt} ms"
  first+=("${f:-999999}") service+=("${s:-999999}") term+=("$tt")
done
p50() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "p50 of $RUNS runs: first frame $(p50 "${first[@]}") ms, in service $(p50 "${service[@]}") ms, SIGTERM to exit $(p50 "${term[@]}") ms"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
