#!/bin/bash
# Runs inside the container booted by scripts/systemd-check (systemd is PID 1 there): installs
# the project's packages with apt, configures both services as docs/deployment.md says, starts
# them and checks what the units promise. One line per check: "ok   NAME (what was seen)"
# or "FAIL NAME: why"; exit 1 when any check failed. Commands' output: out/commands.log.
set -u
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
D=/srv/echannel-check
OUT=$D/out
LOG=$OUT/commands.log
fails=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
# run NAME CMD...: ok when CMD exits 0 (its output goes to the log).
run() {
  local name=$1; shift
  echo "\$ $*" >>"$LOG"
  if "$@" >>"$LOG" 2>&1; then ok "$name"; else fail "$name: '$*' exited $? ($LOG)"; fi
}
# expect NAME WANT GOT: ok when equal.
expect() { if [ "$2" = "$3" ]; then ok "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi; }
prop() { systemctl show -p "$2" --value "$1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# status_field PID FIELD: a line of /proc/PID/status, value only.
status_field() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

echo "systemd $(systemctl --version | head -1 | cut -d' ' -f2), PID 1: $(cat /proc/1/comm)"

# --- install --------------------------------------------------------------------------------
# The network is cut off: apt must find every dependency installed already (the cached root
# file system has the Depends of these very packages), and the maintainer scripts run under
# a running systemd (daemon-reload, deb-systemd-invoke).
debs=("$D"/debs/echannel-tools_*.deb "$D"/debs/echannel-clearance-server_*.deb "$D"/debs/echannel-kiosk_*.deb)
t=$(now)
# (No --no-download: apt 2.6 then refuses local .debs, "Pathname to install is not absolute".)
run install.apt apt-get install -y -q "${debs[@]}"
if ! dpkg-query -W echannel-kiosk echannel-clearance-server echannel-tools >>"$LOG" 2>&1; then
  echo "in-container: the packages did not install, nothing else to check"
  exit 1
fi
ok "install.time ($(since "$t") s)"
for u in kiosk clearance; do
  entry=$(getent passwd "$u" || true)
  if [ -n "$entry" ]; then
    ok "install.user.$u ($entry)"
  else
    fail "install.user.$u: no user $u after the install"
  fi
done
key=/etc/kiosk/biometrics.key
expect install.kiosk_key "32 600 root" "$(stat -c '%s %a %U' "$key" 2>&1)"
expect install.kiosk.enabled enabled "$(systemctl is-enabled kiosk-lane.service 2>&1)"
expect install.server.enabled enabled "$(systemctl is-enabled clearance-server.service 2>&1)"
# The postinst started the lane, but without /etc/kiosk/lane.json its condition stops it.
expect install.kiosk.condition_unmet "no inactive" "$(prop kiosk-lane ConditionResult) $(prop kiosk-lane ActiveState)"
expect install.server.not_started inactive "$(prop clearance-server ActiveState)"

# --- systemd-analyze verify, in the booted system -------------------------------------------
for u in kiosk-lane.service clearance-server.service; do
  v=$(systemd-analyze verify "$u" 2>&1)
  r=$?
  echo "\$ systemd-analyze verify $u"$'\n'"$v" >>"$LOG"
  if [ $r = 0 ] && [ -z "$v" ]; then ok "verify.$u (exit 0, no warning)"; else fail "verify.$u: exit $r: $v"; fi
done
# The same check on a broken unit fails: it can catch something.
mkdir -p /run/systemd/system
printf '[Service]\nType=notify\nExecStart=/usr/bin/no-such-program\n' >/run/systemd/system/echannel-broken.service
if systemd-analyze verify echannel-broken.service >>"$LOG" 2>&1; then
  fail "verify.control: a unit running a missing program passed"
else
  ok "verify.control (a unit running a missing program fails)"
fi
rm -f /run/systemd/system/echannel-broken.service

# --- the clearance service: configured as docs/deployment.md says, on SQLite ------------------
(
  set -e
  install -m 0640 -g clearance /usr/share/echannel/examples/server.json /etc/clearance-server/server.json
  kioskctl ca init --dir /root/echannel-ca
  kioskctl ca server --dir /root/echannel-ca --name clearance.example --out /etc/clearance-server/server
  cp /root/echannel-ca/ca.cert.pem /root/echannel-ca/crl.pem /etc/clearance-server/
  chgrp clearance /etc/clearance-server/*
  chmod 0640 /etc/clearance-server/*
) >>"$LOG" 2>&1 && ok "server.configure (docs/deployment.md)" || fail "server.configure: ($LOG)"

# --- the lane: live, headless (the drop-in of docs/deployment.md), simulated devices ---------
cat >/etc/kiosk/lane.json <<'EOF'
{
  "mode": "live",
  "lane_id": "SYSD-01",
  "store": { "path": "/var/lib/kiosk/kiosk.sqlite",
             "key_file": "/run/credentials/kiosk-lane.service/biometrics.key" },
  "face": { "onnx": { "model": "/usr/share/echannel/models/face_recognition_arcface.onnx" } }
}
EOF
mkdir -p /etc/systemd/system/kiosk-lane.service.d
printf '[Service]\nExecStart=\nExecStart=/usr/bin/kiosk --live --headless --config /etc/kiosk/lane.json\n' \
  >/etc/systemd/system/kiosk-lane.service.d/headless.conf
systemctl daemon-reload
# verify again with the drop-in in place (what a headless lane really runs).
v=$(systemd-analyze verify kiosk-lane.service 2>&1)
if [ $? = 0 ] && [ -z "$v" ]; then ok "verify.kiosk-lane.service+headless"; else fail "verify.kiosk-lane.service+headless: $v"; fi

# --- start: Type=notify, so `systemctl start` returns once READY=1 came ----------------------
for u in clearance-server kiosk-lane; do
  t=$(now)
  if systemctl start "$u" >>"$LOG" 2>&1; then
    took=$(since "$t")
    expect "start.$u.active" active "$(systemctl is-active "$u")"
    # StatusText comes with READY=1 (kiosk: "lane <id>"); a notify unit that never sent
    # READY=1 would still be "activating".
    ok "start.$u.ready (${took} s; Type=$(prop "$u" Type), NotifyAccess=$(prop "$u" NotifyAccess), WatchdogUSec=$(prop "$u" WatchdogUSec), status '$(prop "$u" StatusText)')"
  else
    fail "start.$u: systemctl start failed: $(systemctl status --no-pager "$u" 2>&1 | grep -E 'Process:|Main PID:' | paste -sd' ')"
    journalctl -b -u "$u.service" --no-pager >>"$LOG" 2>&1
  fi
done
expect start.kiosk-lane.status "lane SYSD-01" "$(prop kiosk-lane StatusText)"
# The listeners (the server's READY=1 means both listen).
for port in 8443 8444; do
  if timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>>"$LOG"; then ok "start.clearance-server.listens.$port"; else fail "start.clearance-server.listens.$port: no TCP connect"; fi
done
# The bootstrap step of docs/deployment.md run as root beside the running service; then the
# service must still come back on its database.
run server.officer_add clearance-server --config /etc/clearance-server/server.json officer add sysd --role admin \
  <<<'a long passphrase for sysd'
run server.restart_after_officer_add systemctl restart clearance-server
expect server.active_after_restart active "$(systemctl is-active clearance-server)"
expect server.db_owner "clearance" "$(stat -c %U /var/lib/clearance-server/clearance.db 2>&1)"

# --- the sandbox, on the running processes ---------------------------------------------------
# Only the units that run (a unit that did not start has failed above already).
running=()
for u in clearance-server kiosk-lane; do
  if [ "$(systemctl is-active "$u")" = active ]; then running+=("$u"); else fail "sandbox.$u: not running"; fi
done
for u in "${running[@]}"; do
  pid=$(prop "$u" MainPID)
  user=$(prop "$u" User)
  uid=$(id -u "$user")
  gid=$(id -g "$user")
  if [ "$pid" = 0 ]; then fail "sandbox.$u: no main process"; continue; fi
  expect "sandbox.$u.uid" "$uid" "$(status_field "$pid" Uid | awk '{print $2}')"
  expect "sandbox.$u.no_new_privs" 1 "$(status_field "$pid" NoNewPrivs)"
  expect "sandbox.$u.seccomp_filter" 2 "$(status_field "$pid" Seccomp)"
  expect "sandbox.$u.no_capabilities" "0000000000000000 0000000000000000" \
    "$(status_field "$pid" CapEff) $(status_field "$pid" CapBnd)"
  # Writes, as the service's user in the service's own mount namespace: only its state
  # directory (and its private /tmp). The allowed write shows the probe itself works.
  inns() { nsenter -t "$pid" -m -S "$uid" -G "$gid" -- sh -c "$1"; }
  state=/var/lib/$(prop "$u" StateDirectory)
  if inns "echo x > $state/.probe && rm $state/.probe" >>"$LOG" 2>&1; then ok "sandbox.$u.writes_state ($state)"; else fail "sandbox.$u.writes_state: cannot write $state"; fi
  for path in /etc /usr/bin /var/lib /var/cache /root /home /srv; do
    err=$(inns "echo x > $path/echannel-probe" 2>&1)
    if [ $? = 0 ]; then
      fail "sandbox.$u.no_write.$path: wrote $path/echannel-probe"
      rm -f "$path/echannel-probe"
    else
      ok "sandbox.$u.no_write.$path (${err##*: })"
    fi
  done
  # As root too: ProtectSystem=strict makes /etc and /usr read-only mounts, not just
  # unwritable for the user.
  err=$(nsenter -t "$pid" -m -- sh -c "echo x > /etc/echannel-probe" 2>&1) &&
    fail "sandbox.$u.etc_read_only_mount: root wrote /etc in the unit's namespace" ||
    ok "sandbox.$u.etc_read_only_mount (${err##*: })"
  # PrivateTmp: a file in the service's /tmp is not in the system's.
  inns "echo x > /tmp/echannel-probe-$u" >>"$LOG" 2>&1
  if [ -e "/tmp/echannel-probe-$u" ]; then fail "sandbox.$u.private_tmp: its /tmp is the system's"; else ok "sandbox.$u.private_tmp"; fi
  # ProtectProc=invisible: other users' processes are hidden from it (PID 1 is root's).
  if inns "test -e /proc/1/status"; then fail "sandbox.$u.protect_proc: sees /proc/1"; else ok "sandbox.$u.protect_proc (/proc/1 hidden)"; fi
  # ProtectHome: /root and /home inaccessible.
  if inns "ls /root" >>"$LOG" 2>&1; then fail "sandbox.$u.protect_home: lists /root"; else ok "sandbox.$u.protect_home"; fi
  sec=$(systemd-analyze security --no-pager "$u.service" 2>&1 | grep 'Overall exposure level')
  echo "$sec" >>"$LOG"
  case $sec in
    *" OK"*) ok "sandbox.$u.analyze_security (${sec#*: })" ;;
    *) fail "sandbox.$u.analyze_security: $sec" ;;
  esac
done
# The kiosk's credential: its copy under /run/credentials is readable by the lane, the file
# under /etc is not.
kpid=$(prop kiosk-lane MainPID)
if [ "$kpid" != 0 ]; then
  kuid=$(id -u kiosk)
  kgid=$(id -g kiosk)
  if nsenter -t "$kpid" -m -S "$kuid" -G "$kgid" -- sh -c 'test -r /run/credentials/kiosk-lane.service/biometrics.key' &&
    ! nsenter -t "$kpid" -m -S "$kuid" -G "$kgid" -- sh -c 'test -r /etc/kiosk/biometrics.key'; then
    ok "sandbox.kiosk-lane.credential (readable as a credential, not under /etc)"
  else
    fail "sandbox.kiosk-lane.credential: the lane cannot read its credential, or can read /etc/kiosk/biometrics.key"
  fi
  groups=$(status_field "$kpid" Groups)
  want=""
  for g in video dialout input plugdev render audio; do want="$want $(getent group "$g" | cut -d: -f3)"; done
  missing=""
  for g in $want; do case " $groups " in *" $g "*) ;; *) missing="$missing $g" ;; esac; done
  expect sandbox.kiosk-lane.supplementary_groups "" "$missing"
fi

# --- the watchdog: a process that stops pinging is killed and restarted ----------------------
# SIGSTOP freezes the main process (no WATCHDOG=1 any more); after WatchdogSec systemd sends
# SIGABRT (with SIGCONT), the unit fails with result 'watchdog' and Restart= starts it again.
declare -A before restarts
for u in "${running[@]}"; do
  before[$u]=$(prop "$u" MainPID)
  restarts[$u]=$(prop "$u" NRestarts)
  kill -STOP "${before[$u]}"
done
t=$(now)
for u in "${running[@]}"; do
  pid=""
  for _ in $(seq 240); do
    pid=$(prop "$u" MainPID)
    if [ "$pid" != "${before[$u]}" ] && [ "$pid" != 0 ] && [ "$(systemctl is-active "$u")" = active ]; then break; fi
    sleep 0.5
  done
  took=$(since "$t")
  if [ "$pid" != "${before[$u]}" ] && [ "$(systemctl is-active "$u")" = active ]; then
    ok "watchdog.$u.restarted (${took} s after SIGSTOP; pid ${before[$u]} -> $pid, NRestarts ${restarts[$u]} -> $(prop "$u" NRestarts))"
  else
    fail "watchdog.$u.restarted: still pid ${before[$u]} or not active after ${took} s"
  fi
  j=$(journalctl -b -u "$u.service" --no-pager 2>&1)
  w=$(echo "$j" | grep -E "Watchdog timeout|Failed with result 'watchdog'" | sed 's/^.*\]: //' | paste -sd'|')
  if echo "$j" | grep -q "Failed with result 'watchdog'"; then ok "watchdog.$u.result_watchdog ($w)"; else fail "watchdog.$u.result_watchdog: the journal has no result 'watchdog'"; fi
done

# --- a clean stop ---------------------------------------------------------------------------
for u in kiosk-lane clearance-server; do
  t=$(now)
  run "stop.$u" systemctl stop "$u"
  took=$(since "$t")
  expect "stop.$u.result" "success inactive 0" "$(prop "$u" Result) $(prop "$u" ActiveState) $(prop "$u" ExecMainStatus)"
  ok "stop.$u.time (${took} s)"
done
if journalctl -b -u kiosk-lane.service --no-pager | grep -q "stopped: doors closed"; then
  ok "stop.kiosk-lane.doors_closed"
else
  fail "stop.kiosk-lane.doors_closed: the lane did not say 'stopped: doors closed'"
fi

journalctl -b -u kiosk-lane.service -u clearance-server.service --no-pager >"$OUT/units-journal.txt" 2>&1
echo "in-container: $fails failed"
[ "$fails" = 0 ]
