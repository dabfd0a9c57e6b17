#!/usr/bin/env bash
# Type-checks a Node user's program (bun-types/consumer.ts: the same program a
# Bun project checks) the way a Node project does: module nodenext, the
# ECMAScript library without the DOM's (as @tsconfig/node24), the options Node's
# documentation advises for running TypeScript with type stripping
# (node-types/tsconfig.json), TypeScript and @types/node from npm (pinned in
# node-types/package-lock.json), `tsc`, over the package as JSR's npm layer
# installs it (its .d.ts files, with skipLibCheck off). Any error fails: none
# may come from inside the package. (A checkout imported by path is not a Node
# project's case: without a package.json of "type": "module" tsc's nodenext
# takes its .ts files for CommonJS.)
set -eu
cd "$(dirname "$0")/node-types"
export PATH="$PWD/../node_modules/.bin:$PATH"
npm ci --no-audit --no-fund --loglevel=error
rm -rf npm
mkdir npm
cp tsconfig.json npm/
sed 's|"../../mod.ts"|"@concurrent/futures"|' ../bun-types/consumer.ts > npm/consumer.ts
# Every entry point's declarations, not only those the program above imports
# (redis-worker is a program: it exports nothing).
for entry in future thread process redis; do
  echo "import type * as _$entry from \"@concurrent/futures/$entry\";" >> npm/consumer.ts
done
# It writes npm/package.json ("type": "module", the dependency), as `jsr add`.
deno run -A ../build_npm_layout.ts --package ../.. --app npm --layout jsr > /dev/null
status=0
echo "tsc: JSR's npm layout in a Node project"
node_modules/.bin/tsc -p npm --skipLibCheck false || status=1
rm -rf npm
exit $status
