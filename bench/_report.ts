// Prints the benchmark table: medians, the ratio of ours to raw, and
// whether each target is met.

/** One measured line. */
export interface Row {
  kind: "threads" | "processes" | "futures";
  workload: string;
  raw: number;
  ours: number;
  better: "higher" | "lower";
  /** The ratio ours/raw must reach (higher) or stay under (lower). */
  target?: number;
  /** The value ours must reach by itself (cpu speedup). */
  absolute?: number;
}

function format(value: number): string {
  if (value >= 100_000) return `${(value / 1000).toFixed(0)}k`;
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(2);
}

function verdict(row: Row): string {
  if (row.absolute !== undefined) {
    return row.ours >= row.absolute ? `PASS (≥ ${row.absolute})` : `MISS (< ${row.absolute})`;
  }
  if (row.target === undefined) return "";
  const ratio = row.ours / row.raw;
  const ok = row.better === "higher" ? ratio >= row.target : ratio <= row.target;
  return `${ok ? "PASS" : "MISS"} (${row.better === "higher" ? "≥" : "≤"} ${row.target}×)`;
}

/** Prints the table, with CPython's numbers beside ours where measured. */
export function printReport(
  rows: Row[],
  cpython: Record<string, Record<string, number>> | undefined,
  setup: { runtime: string; quick: boolean; rounds: number; sizes: object },
): void {
  // CPython measured the main workloads, not the scaling rows.
  const key = (workload: string) => /^(\w+) \(/.exec(workload)?.[1] ?? "";
  const lines = [[
    "",
    "workload",
    "raw",
    "ours",
    "ours/raw",
    "target",
    "CPython",
    "ours vs CPython (>1: ours better)",
  ]];
  for (const row of rows) {
    const py = cpython?.[row.kind]?.[key(row.workload)];
    // How many times better ours is: above 1 favours ours.
    const vsPython = py === undefined
      ? ""
      : `${(row.better === "higher" ? row.ours / py : py / row.ours).toFixed(2)}×`;
    lines.push([
      row.kind,
      row.workload,
      format(row.raw),
      format(row.ours),
      `${(row.ours / row.raw).toFixed(2)}`,
      verdict(row),
      py === undefined ? "" : format(py),
      vsPython,
    ]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  console.log(
    `\n${setup.runtime}, ${setup.rounds} round(s), medians${
      setup.quick ? " (smoke run: numbers mean nothing)" : ""
    }`,
  );
  for (const line of lines) {
    console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
  }
  if (!cpython && !setup.quick) console.log("CPython: not measured");
}
