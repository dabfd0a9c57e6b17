#!/usr/bin/env bash
# Regenerates the worker code from _worker/, runs every test in tests/ on
# Deno, on Bun and on Node (the pinned Node runs the TypeScript sources as they
# are, with its type stripping: deno.json's erasableSyntaxOnly keeps them
# strippable), then prints one line:
# "N passed, M failed", summed over the three runtimes. Exit status 1 on any
# failure. Extra arguments (test files or folders) narrow the run.
set -u
cd "$(dirname "$0")/.."
node .tools/ensure.mjs --test-nodes || exit 1
# From here `node` is the pinned Node in .tools, not the machine's.
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
echo "== node --test =="
# node --test takes files and globs, not folders: a folder means its tests.
node_args=()
for f in "${files[@]}"; do
  if [ -d "$f" ]; then node_args+=("${f%/}/**/*_test.ts"); else node_args+=("$f"); fi
done
node --test --test-reporter=spec --test-timeout=120000 "${node_args[@]}" 2>&1 | tee "$log/node"
node_rc=${PIPESTATUS[0]}

# Deno ends with "ok | 12 passed | 0 failed (2s)"; Bun with " 12 pass" / " 0 fail";
# Node with "ℹ pass 12" / "ℹ fail 0" / "ℹ cancelled 0" (a cancelled test failed:
# its file crashed or timed out).
count() { grep -Eo "$2" "$1" | tail -n 1 | grep -Eo '[0-9]+' | head -n 1; }
dp=$(count "$log/deno" '[0-9]+ passed') dp=${dp:-0}
df=$(count "$log/deno" '[0-9]+ failed') df=${df:-0}
bp=$(count "$log/bun" '^ *[0-9]+ pass$') bp=${bp:-0}
bf=$(count "$log/bun" '^ *[0-9]+ fail$') bf=${bf:-0}
np=$(count "$log/node" '^ℹ pass [0-9]+$') np=${np:-0}
nf=$(count "$log/node" '^ℹ fail [0-9]+$') nf=${nf:-0}
nc=$(count "$log/node" '^ℹ cancelled [0-9]+$') nf=$((nf + ${nc:-0}))
# A runner that crashed or found nothing is a failure, not silence.
if [ "$deno_rc" -ne 0 ] && [ "$df" -eq 0 ]; then df=1; fi
if [ "$bun_rc" -ne 0 ] && [ "$bf" -eq 0 ]; then bf=1; fi
if [ "$node_rc" -ne 0 ] && [ "$nf" -eq 0 ]; then nf=1; fi
[ "$dp" -gt 0 ] || df=$((df + 1))
[ "$bp" -gt 0 ] || bf=$((bf + 1))
[ "$np" -gt 0 ] || nf=$((nf + 1))
echo "deno: $dp passed, $df failed; bun: $bp passed, $bf failed; node: $np passed, $nf failed"
echo "$((dp + bp + np)) passed, $((df + bf + nf)) failed"
[ $((df + bf + nf)) -eq 0 ]
