// Copyright 2026 the @concurrent/futures authors. MIT license.
// A child's watchdog: a small thread that only watches the lifeline, an
// extra pipe the parent holds open and never writes. When the parent dies,
// even by SIGKILL, the lifeline ends, and the watchdog kills its own process
// at once, though the main thread be busy in a synchronous task (the main
// thread alone would notice only when the task ends: measured 19.7 s for a
// 20 s task, against 15-43 ms with the watchdog).
//
// The thread is a web Worker from a blob: URL, so it needs no file of ours
// and no permission. process.exit() in a worker ends only the worker, in
// both runtimes; a signal to our own pid ends the process and needs no
// Deno permission. It reads with Bun.file() in Bun (a net.Socket on a bare
// fd never reads there) and a net.Socket in Deno (whose node:fs cannot use
// inherited fds off the main thread).

const WATCHDOG_SOURCE = `
const g = globalThis;
const die = () => g.process.kill(g.process.pid, "SIGKILL");
const fd = FD;
if (g.Bun) {
  (async () => {
    try {
      for await (const _ of g.Bun.file(fd).stream());
    } catch {}
    die();
  })();
} else {
  const { Socket } = await import("node:net");
  const lifeline = new Socket({ fd, readable: true, writable: false });
  lifeline.on("data", () => {});
  lifeline.on("end", die);
  lifeline.on("error", die);
}
`;

interface UnrefWorker extends Worker {
  unref?(): void;
}

/** Starts the watchdog on the lifeline `fd`; it never holds the process open. */
export function startWatchdog(fd: number): void {
  const source = WATCHDOG_SOURCE.replace("FD", String(fd));
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker: UnrefWorker = new Worker(url, { type: "module", name: "watchdog" });
  worker.unref?.();
}
