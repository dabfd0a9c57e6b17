// CPU per process for the Redis benches (bench/redis_legs.ts,
// bench/redis_ab.ts): CPU time and run-queue wait from schedstat, Linux only
// (elsewhere every figure is 0).

import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";

// CPU time and run-queue wait (ns) of each process of the run, by role,
// from /proc/<pid>/task/*/schedstat (Linux): who works, and who waits for
// a core, per task. A node's children are its local pool ("pool child");
// the redis-server is this process's child.
export interface Sched {
  cpu: number;
  wait: number;
}

export function sample(roles: Map<number, string>, THREADS = false): Map<string, Sched> {
  const out = new Map<string, Sched>();
  const note = (pid: number, role: string) => {
    const sum = out.get(role) ?? { cpu: 0, wait: 0 };
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ");
        sum.cpu += Number(cpu);
        sum.wait += Number(wait);
        if (THREADS) {
          const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
          const key = `${role}:${name}`;
          const t = out.get(key) ?? { cpu: 0, wait: 0 };
          t.cpu += Number(cpu);
          t.wait += Number(wait);
          out.set(key, t);
        }
      }
    } catch {
      return; // exited, or not Linux
    }
    out.set(role, sum);
  };
  const parents = new Map<number, number>();
  try {
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // gone
      }
    }
  } catch {
    return out;
  }
  for (const [pid, role] of roles) note(pid, role);
  for (const [pid, parent] of parents) {
    const of = roles.get(parent);
    if (of?.startsWith("node")) note(pid, of === "node" ? "pool child" : `${of} child`);
    else if (parent === process.pid && !roles.has(pid)) note(pid, "redis-server");
  }
  return out;
}

export function add(
  into: Map<string, Sched>,
  before: Map<string, Sched>,
  after: Map<string, Sched>,
) {
  for (const [role, a] of after) {
    const b = before.get(role) ?? { cpu: 0, wait: 0 };
    const sum = into.get(role) ?? { cpu: 0, wait: 0 };
    sum.cpu += a.cpu - b.cpu;
    sum.wait += a.wait - b.wait;
    into.set(role, sum);
  }
}
