// Copyright 2026 the @concurrent/futures authors. MIT license.
// The parent's Node flags a child gets, as CPython passes its interpreter
// flags to its children: every flag that changes how code loads or runs
// (`--import`, `--require`, `--conditions`, `--loader`, `--experimental-*`,
// `--env-file`, `--stack-size`, `--max-old-space-size`, the permission
// model's flags, …) is passed on as written. Left out are the flags that
// would make the child something else than a worker: a debugger port taken
// twice (`--inspect*`), a watcher or a test runner of its own (`--watch*`,
// `--test*`), the parent's own entry (`-e`, `-p`, `--input-type`, `--run`,
// `--check`, `--interactive`), or a build (`--build-snapshot`,
// `--build-sea`, `--experimental-sea-config`, `--snapshot-blob`). A pure
// function, so it is tested on every runtime.

// Dropped flags, each with whether it takes its value as the next argument
// when written without `=`.
const DROPPED: ReadonlyMap<string, boolean> = new Map([
  ["-e", true],
  ["--eval", true],
  ["-p", true],
  ["--print", true],
  ["-c", false],
  ["--check", false],
  ["-i", false],
  ["--interactive", false],
  ["--input-type", true],
  ["--run", true],
  ["--entry-url", false],
  ["--inspect", false],
  ["--inspect-brk", false],
  ["--inspect-wait", false],
  ["--inspect-port", true],
  ["--debug-port", true],
  ["--inspect-publish-uid", true],
  ["--watch", false],
  ["--watch-path", true],
  ["--watch-preserve-output", false],
  ["--watch-kill-signal", true],
  ["--test", false],
  ["--build-snapshot", false],
  ["--build-snapshot-config", true],
  ["--snapshot-blob", true],
  ["--build-sea", true],
  ["--experimental-sea-config", true],
]);

// Every --test-* and --experimental-test-* option belongs to the runner.
const TEST_OPTION = /^--(experimental-)?test-/;
// Test options that take their value as the next argument.
const TEST_VALUE =
  /^--test-(reporter|reporter-destination|name-pattern|skip-pattern|concurrency|timeout|shard|coverage-include|coverage-exclude|isolation|global-setup|coverage-branches|coverage-functions|coverage-lines)$/;

/**
 * The flags of `execArgv` (the parent's `process.execArgv`) a child gets,
 * in order.
 */
export function childExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const [name, value] = splitFlag(arg);
    const dropped = DROPPED.get(name);
    if (dropped !== undefined || TEST_OPTION.test(name)) {
      const takesValue = dropped ?? TEST_VALUE.test(name);
      if (takesValue && value === undefined) i++; // its value too
      continue;
    }
    kept.push(arg);
  }
  return kept;
}

function splitFlag(arg: string): [name: string, value: string | undefined] {
  const at = arg.indexOf("=");
  return at < 0 ? [arg, undefined] : [arg.slice(0, at), arg.slice(at + 1)];
}
