// Test helper: the processes Linux lists in /proc, read once.

import { readdirSync, readFileSync } from "node:fs";

/** One live (not zombie) process. */
export interface ProcessEntry {
  pid: number;
  parent: number;
  group: number;
}

/** Every live process this one can see; zombies are left out. */
export function liveProcesses(): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
    const [state, parent, group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state === "Z") continue;
    found.push({ pid: Number(entry), parent: Number(parent), group: Number(group) });
  }
  return found;
}
