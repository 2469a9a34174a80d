#!/usr/bin/env bash
# The whole test suite on a fresh machine, in one command:
#   - installs Chromium from Debian (for the Playwright tests) and PostgreSQL if they are missing,
#   - starts a throw-away PostgreSQL server as the postgres user on a free loopback port (stopped afterwards),
#   - runs `dotnet test Tracker.sln`,
#   - prints "N passed, N failed" as its last line and exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")"

log() { printf '[test.sh] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq >&2 && apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium (Debian package; Playwright never downloads a browser)"
  apt_install chromium || { log "could not install chromium"; echo "0 passed, 1 failed"; exit 1; }
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  log "installing PostgreSQL server binaries"
  apt_install postgresql || { log "could not install postgresql"; echo "0 passed, 1 failed"; exit 1; }
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pg_port=$((55500 + RANDOM % 400))
while ! port_free "$pg_port"; do pg_port=$((pg_port + 1)); done

pg_dir=$(mktemp -d /tmp/tracker-pg.XXXXXX)
chmod 755 "$pg_dir"
chown postgres:postgres "$pg_dir" 2>/dev/null || as_root chown postgres:postgres "$pg_dir"
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else as_root runuser -u postgres -- "$@"; fi; }
cleanup() {
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" stop -m fast >/dev/null 2>&1
  as_root rm -rf "$pg_dir"
}
trap cleanup EXIT

log "starting PostgreSQL ($pg_bin) on 127.0.0.1:$pg_port"
if ! as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$pg_dir/initdb.log" 2>&1 \
   || ! as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -t 60 \
        -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        -l "$pg_dir/pg.log" start >&2; then
  cat "$pg_dir"/*.log >&2
  echo "0 passed, 1 failed"
  exit 1
fi
export TRACKER_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Pooling=true"

results=$(mktemp -d)
log "running dotnet test"
dotnet test Tracker.sln --logger "console;verbosity=normal" --results-directory "$results" 2>&1 | tee "$results/test.log"
rc=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly, as "Passed!  - Failed: 0, Passed: 57, Skipped: 0, ..." at minimal
# verbosity or as a "Total tests: / Passed: / Failed: / Skipped:" block at normal verbosity; read both.
summary=$(awk '
  /^(Passed|Failed)!/ { gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } n++; next }
  /^Total tests:/ { block = 1; n++; next }
  block && /^[[:space:]]+Passed:[[:space:]]+[0-9]+[[:space:]]*$/ { p += $2; next }
  block && /^[[:space:]]+Failed:[[:space:]]+[0-9]+[[:space:]]*$/ { f += $2; next }
  block && /^[[:space:]]+Skipped:[[:space:]]+[0-9]+[[:space:]]*$/ { s += $2; next }
  block && /Total time:/ { block = 0 }
  END { printf "%d %d %d %d", p, f, s, n }' "$results/test.log")
read -r passed failed skipped assemblies <<<"$summary"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the build or a test host failed before reporting
  log "dotnet test exited $rc without a failing test summary (build error or crashed host); see above"
fi
if [ "$assemblies" -lt 2 ] && [ "$rc" -eq 0 ]; then
  log "expected summaries from both test projects, saw $assemblies"
  rc=1
  failed=$((failed + 1))
fi
rm -rf "$results"
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
