#!/usr/bin/env bash
# Regenerates the worker code from _worker/, runs every test in tests/ on
# Deno and on Bun, then prints one line:
# "N passed, M failed", summed over both runtimes. Exit status 1 on any
# failure. Extra arguments (test files) narrow the run.
set -u
cd "$(dirname "$0")/.."
node .tools/ensure.mjs || exit 1
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
# Workers run the code bundled from _worker/: test what the sources say now
# (.ci/run checks separately that the committed bundle was fresh).
bun .tools/gen_worker_source.ts || exit 1

# The Redis tests start their own redis-server (Redis >= 7) on loopback and
# stop it. As root (here, and CI on a fresh machine) install it when missing;
# elsewhere, say what to install.
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing redis-server =="
    apt-get update -qq </dev/null >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server </dev/null >/dev/null
  else
    echo "redis-server is missing: the tests/redis_* files need Redis >= 7" \
      "(Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)"
  fi
fi
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== deno test =="
deno test -A "${files[@]}" 2>&1 | tee "$log/deno"
deno_rc=${PIPESTATUS[0]}
echo "== bun test =="
bun test --timeout 120000 "${files[@]/#/./}" 2>&1 | tee "$log/bun"
bun_rc=${PIPESTATUS[0]}

# Deno ends with "ok | 12 passed | 0 failed (2s)"; Bun with " 12 pass" / " 0 fail".
count() { grep -Eo "$2" "$1" | tail -n 1 | grep -Eo '[0-9]+' | head -n 1; }
dp=$(count "$log/deno" '[0-9]+ passed') dp=${dp:-0}
df=$(count "$log/deno" '[0-9]+ failed') df=${df:-0}
bp=$(count "$log/bun" '^ *[0-9]+ pass$') bp=${bp:-0}
bf=$(count "$log/bun" '^ *[0-9]+ fail$') bf=${bf:-0}
# A runner that crashed or found nothing is a failure, not silence.
if [ "$deno_rc" -ne 0 ] && [ "$df" -eq 0 ]; then df=1; fi
if [ "$bun_rc" -ne 0 ] && [ "$bf" -eq 0 ]; then bf=1; fi
[ "$dp" -gt 0 ] || df=$((df + 1))
[ "$bp" -gt 0 ] || bf=$((bf + 1))
echo "deno: $dp passed, $df failed; bun: $bp passed, $bf failed"
echo "$((dp + bp)) passed, $((df + bf)) failed"
[ $((df + bf)) -eq 0 ]
