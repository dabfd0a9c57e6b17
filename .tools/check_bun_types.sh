#!/usr/bin/env bash
# Type-checks a Bun user's program (bun-types/consumer.ts) the way a Bun
# project does: the tsconfig.json `bun init` writes, TypeScript and
# @types/bun from npm (pinned in bun-types/bun.lock), `tsc --noEmit`. Once
# importing this checkout by path (tsc then checks the package's own .ts
# files), once through JSR's npm layout (its .d.ts files, with skipLibCheck
# off). Any error fails: none may come from inside the package. Each time,
# tsc also checks tests/types_test.ts (the public types' inferences and the
# mistakes they must reject, by @ts-expect-error), its imports rewritten to
# the package's public specifiers for the npm layout.
set -eu
cd "$(dirname "$0")/bun-types"
export PATH="$PWD/../node_modules/.bin:$PATH"
bun install --frozen-lockfile --silent
rm -rf by-path npm
mkdir by-path npm
cp tsconfig.json by-path/
cp tsconfig.json npm/
sed 's|"../../mod.ts"|"../../../mod.ts"|' consumer.ts > by-path/consumer.ts
sed 's|"../../mod.ts"|"@concurrent/futures"|' consumer.ts > npm/consumer.ts
types_test=../../tests/types_test.ts
sed -e 's|"\.\./|"../../../|' -e 's|"\./fixtures/|"../../../tests/fixtures/|g' \
  "$types_test" > by-path/types_test.ts
sed -E -e 's#"\.\./(future|thread|process)\.ts"#"@concurrent/futures/\1"#' "$types_test" > npm/types_test.ts
mkdir npm/fixtures
cp ../../tests/fixtures/tasks.ts npm/fixtures/
deno run -A ../build_npm_layout.ts --package ../.. --app npm --layout jsr > /dev/null
status=0
echo "tsc: the checkout imported by path"
bun x tsc --noEmit -p by-path || status=1
echo "tsc: JSR's npm layout"
bun x tsc --noEmit -p npm --skipLibCheck false || status=1
rm -rf by-path npm
exit $status
