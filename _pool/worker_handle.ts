// Copyright 2026 the @concurrent/futures authors. MIT license.
// The pool's handle on one worker (a thread or a child process): what it has
// in flight, which functions it knows, how many tasks to send it ahead, and
// the transport under it.

import type { Future, StartProbe } from "../_future/future.ts";
import { Deque } from "../_util/deque.ts";
import { Slot, SLOTS, type TaskKind } from "../_wire/protocol.ts";
import type { JobCall } from "./stop.ts";
import type { Transport } from "./transport.ts";

/**
 * How long a child stopped for a task has to end itself (its protocol thread
 * answers within a millisecond) before it is killed.
 */
const HALT_MS = 2000;

/** A submitted task as the pool tracks it. */
export interface Job {
  readonly id: number;
  readonly future: Future<unknown>;
  readonly fnId: number;
  readonly kind: TaskKind;
  readonly args: unknown[];
  /** Per-call options (`executor.with()`); undefined for a plain submit. */
  readonly call: JobCall | undefined;
  /** When it was queued, while stats record wait times; else 0. */
  queuedAt: number;
}

/** A job as sent to one worker. */
export interface Sent {
  readonly job: Job;
  /**
   * Its place among all tasks sent to the worker: a child's claim ring
   * takes it whole, a thread's cancel ring as a slot (`slotOf`).
   */
  readonly seq: number;
  /**
   * Taken back for another worker: this worker reports it, in order, as
   * Cancelled, and never runs it.
   */
  moved: boolean;
  /** The child was asked to hand it back (and, if not moved, refused). */
  asked: boolean;
}

// Send a worker about this much work ahead, so it never waits for the main
// thread between tiny tasks, yet a slow task holds little behind it.
const AHEAD_MS = 2;
// Below this many milliseconds per task, keep one more task waiting in the
// worker: it would otherwise idle for a round trip (0.3–0.8 ms measured when
// both sides are parked) between tasks. Above it, that round trip costs under
// 1%, and a long task holds nothing behind it.
const SEND_AHEAD_BELOW_MS = 50;
// A worker silent this long (or 8 task-times) is busy with a long task: send
// it nothing more until it reports.
const STALL_MS = 5;

/** The pool's handle on one worker. */
export class WorkerHandle {
  readonly inflight: Deque<Sent> = new Deque();
  readonly known: Set<number> = new Set();
  /** "running" takes tasks; "retiring" finishes its own; "stopping" is ending. */
  state: "running" | "retiring" | "stopping" | "exited" = "running";
  /** Tasks ever sent, for maxTasksPerChild. */
  assigned = 0;
  /** Entries of `inflight` moved to another worker. */
  stale = 0;
  /** Ends this worker once idle `idleTimeout` ms (see Pool). */
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  #asking = false;
  // Ids whose hand-back was reported (as Cancelled, on fd 4) before the
  // child's answer naming them (on fd 5).
  readonly #early = new Set<number>();
  /**
   * Starts every message of the protocol from this worker; random, so a
   * task's own messages (which cannot read it) are never taken for ours.
   */
  readonly token: number = crypto.getRandomValues(new Uint32Array(1))[0]!;
  /** When it started (performance.now()), for the pool's utilization. */
  readonly startedAt: number = performance.now();
  /**
   * Runs tasks now: a child once it said so (Msg.Ready); a thread at once
   * (its cancel ring shows when each task starts).
   */
  ready: boolean;
  /** The running task it was stopped for (an abort or a time limit). */
  stoppedFor: Job | undefined;
  readonly #slots: Int32Array | null;
  #sent = 0;
  #estimate = NaN; // milliseconds per task, smoothed
  #lastProgress = 0;
  #refd = false;
  #transport: Transport | undefined;
  readonly name: string;

  constructor(name: string, sharedCancel: boolean) {
    this.name = name;
    this.ready = sharedCancel;
    this.#slots = sharedCancel
      ? new Int32Array(
        new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT),
      )
      : null;
  }

  /** The cancel ring shared with a thread worker, or null for processes. */
  get slots(): Int32Array | null {
    return this.#slots;
  }

  get transport(): Transport {
    return this.#transport!;
  }

  set transport(transport: Transport) {
    this.#transport = transport;
  }

  /** Tasks sent to this worker that it may still run. */
  get live(): number {
    return this.inflight.length - this.stale;
  }

  /** How many more tasks to send now. */
  capacity(now: number, maxTasks: number | undefined): number {
    if (this.state !== "running") return 0;
    const busy = this.live;
    if (
      busy > 0 &&
      now - this.#lastProgress > Math.max(STALL_MS, 8 * this.#estimate)
    ) {
      return 0;
    }
    // Until a task has been timed, assume it is slow: one at a time, exactly
    // as in Python, so nothing is sent ahead of an unknown task.
    const estimate = this.#estimate;
    let window = Number.isNaN(estimate) ? 1 : Math.min(
      SLOTS,
      Math.max(
        estimate < SEND_AHEAD_BELOW_MS ? 2 : 1,
        Math.floor(AHEAD_MS / Math.max(estimate, 1e-4)),
      ),
    );
    // Refill at half the window, so tasks still travel several to a
    // message while results come back one by one.
    if (busy > 0 && busy > window / 2) return 0;
    if (maxTasks !== undefined) {
      window = Math.min(window, maxTasks - this.assigned + busy);
    }
    // Entries taken back still hold their slots until reported: the ring
    // must never wrap onto a slot the worker has yet to read.
    return Math.min(window - busy, SLOTS - this.inflight.length);
  }

  /**
   * How many tasks an idle worker may try to take from this one: about half
   * of those that may not have started (threads: their slot is still
   * Queued; processes: the child was not asked for them yet).
   */
  spare(): number {
    let n = 0;
    for (const sent of this.#behindFront()) {
      if (!this.#movable(sent)) continue;
      if (this.#slots ? Atomics.load(this.#slots, slotOf(sent.seq)) === Slot.Queued : !sent.asked) {
        n++;
      }
    }
    return Math.ceil(n / 2);
  }

  /**
   * Threads: takes back up to `max` tasks the worker has not started, from
   * the back, each by winning its slot (Queued → Reclaimed) before the
   * worker does. Returns them in their order; the worker skips their slots.
   */
  takeBack(max: number): Job[] {
    const slots = this.#slots!;
    const taken: Job[] = [];
    const jobs = [...this.#behindFront()];
    for (let i = jobs.length - 1; i >= 0 && taken.length < max; i--) {
      const sent = jobs[i]!;
      if (!this.#movable(sent)) continue;
      const was = Atomics.compareExchange(slots, slotOf(sent.seq), Slot.Queued, Slot.Reclaimed);
      // The worker claims slots in order: one started means all before it are.
      if (was === Slot.Started) break;
      if (was !== Slot.Queued) continue; // cancelled by its future
      this.#move(sent);
      taken.push(sent.job);
    }
    return taken.reverse();
  }

  /**
   * Processes: asks the child to hand back up to `max` tasks it may not have
   * started (one question at a time); the answer comes as Msg.Returned.
   */
  askBack(max: number): void {
    if (this.#asking || this.state === "stopping" || this.state === "exited") return;
    const asking: Sent[] = [];
    const jobs = [...this.#behindFront()];
    for (let i = jobs.length - 1; i >= 0 && asking.length < max; i--) {
      const sent = jobs[i]!;
      if (!sent.moved && !sent.asked && !sent.job.future.done()) asking.push(sent);
    }
    if (asking.length > 0) this.#ask(asking, false);
  }

  /**
   * Processes: stops the child for the task at its front. Its protocol
   * thread hands back every task behind that one it has not started, sends
   * what finished, then ends the child: a task not handed back may have
   * begun. A child whose thread does not do so within HALT_MS is killed.
   */
  halt(): void {
    if (this.state === "stopping" || this.state === "exited") return;
    const asking = [...this.#behindFront()].filter((sent) =>
      !sent.moved && !sent.job.future.done()
    );
    this.state = "stopping";
    this.#setRef(true);
    this.#ask(asking, true);
    const kill = setTimeout(() => {
      if (this.state !== "exited") this.transport.stop("SIGKILL");
    }, HALT_MS);
    (kill as { unref?(): void }).unref?.();
  }

  // Asks the child's protocol thread for `asking` back (with `halt`, then to
  // end the child); the answer comes as Msg.Returned.
  #ask(asking: Sent[], halt: boolean): void {
    const pairs: number[] = [];
    for (const sent of asking) {
      sent.asked = true;
      pairs.push(sent.job.id, sent.seq);
    }
    this.#asking = true;
    this.transport.reclaim!(pairs, halt);
  }

  /**
   * Processes: the child reported an asked-for task as Cancelled before its
   * answer to `askBack` arrived: it was handed back. Returns its job.
   */
  handedBackEarly(sent: Sent): Job {
    this.#early.add(sent.job.id);
    this.#move(sent);
    this.stale--; // reported already: not in flight any more
    return sent.job;
  }

  /**
   * Processes: the child's answer to `askBack`. Returns the jobs it gave
   * back, in order, or undefined if it named one it was not running.
   */
  handedBack(ids: readonly number[]): Job[] | undefined {
    this.#asking = false;
    const byId = new Map<number, Sent>();
    for (const sent of this.inflight) if (sent.asked && !sent.moved) byId.set(sent.job.id, sent);
    const given: Sent[] = [];
    for (const id of ids) {
      if (this.#early.delete(id)) continue;
      const sent = byId.get(id);
      if (!sent) return undefined;
      byId.delete(id);
      given.push(sent);
    }
    for (const sent of given) this.#move(sent);
    return given.map((sent) => sent.job).sort((a, b) => a.id - b.id);
  }

  // What another worker may take: the tasks behind the one this worker runs
  // now or next. That one it starts the moment it can (taking it would only
  // leave this worker idle in turn, and the two would trade it back and
  // forth while neither ran it).
  *#behindFront(): Generator<Sent> {
    let passedFront = false;
    for (const sent of this.inflight) {
      if (passedFront) yield sent;
      else if (!sent.moved) passedFront = true;
    }
  }

  // A task whose buffers were transferred to this thread cannot be sent
  // again: they are here now. (A child's were copied: any task can move.)
  #movable(sent: Sent): boolean {
    return !sent.moved && !sent.job.future.done() &&
      !(this.#slots && sent.job.call?.options.transfer?.length);
  }

  #move(sent: Sent): void {
    sent.moved = true;
    this.stale++;
    this.assigned--;
  }

  /**
   * Prepares the cancel ring for `count` tasks about to be sent and returns
   * the first slot; the worker claims slots in the same order.
   */
  reserveSlots(count: number): number {
    const first = this.#sent;
    if (this.#slots) {
      for (let i = 0; i < count; i++) {
        Atomics.store(this.#slots, slotOf(first + i), Slot.Queued);
      }
    }
    return first;
  }

  /** Records tasks that were sent, after `send` succeeded. */
  sent(
    jobs: readonly Job[],
    firstSlot: number,
    now: number,
  ): StartProbe[] | undefined {
    if (this.live === 0) {
      this.#lastProgress = now;
      this.#setRef(true);
    }
    this.#sent = firstSlot + jobs.length;
    this.assigned += jobs.length;
    for (let i = 0; i < jobs.length; i++) {
      this.inflight.push({ job: jobs[i]!, seq: firstSlot + i, moved: false, asked: false });
    }
    const slots = this.#slots;
    if (!slots) return undefined;
    return jobs.map((_, i) => new SlotProbe(slots, slotOf(firstSlot + i)));
  }

  /** Records a batch of results and the time the worker spent on them. */
  progressed(count: number, busy: number, now: number): void {
    this.#lastProgress = now;
    if (count > 0 && busy > 0) {
      const perTask = busy / count;
      this.#estimate = Number.isNaN(this.#estimate) ? perTask : (this.#estimate + perTask) / 2;
    }
    if (this.live === 0 && this.state === "running") {
      this.#setRef(false);
    }
  }

  /** Stops the worker; a stopping worker keeps the program alive until it exits. */
  stop(how: "close" | "SIGTERM" | "SIGKILL"): void {
    if (this.state === "stopping" || this.state === "exited") return;
    this.state = "stopping";
    this.#setRef(true);
    this.transport.stop(how);
  }

  /**
   * Before a worker is stopped for the task at the front of its in-flight
   * tasks: claims the cancel-ring slots of the tasks sent after it, so that
   * none of them starts on a thread that keeps running (Deno cannot stop a
   * thread busy in a synchronous loop) and each can go back to the queue.
   * Returns false if one has started already: the front task has finished
   * then, and there is nothing to stop. A process has no ring: true.
   */
  holdBack(): boolean {
    const slots = this.#slots;
    if (!slots) return true;
    let first = true;
    for (const { seq, moved } of this.inflight) {
      if (first || moved) { // the front itself; a moved one is Reclaimed already
        first = false;
        continue;
      }
      // The worker claims slots in order: once one was still queued, none
      // after it can have started, so a started one is only ever met first.
      const was = Atomics.compareExchange(slots, slotOf(seq), Slot.Queued, Slot.Cancelled);
      if (was === Slot.Started) return false;
    }
    return true;
  }

  /** The task this worker runs now (or next), unless it was moved away. */
  running(): Job | undefined {
    const front = this.inflight.peek();
    return front && !front.moved ? front.job : undefined;
  }

  #setRef(on: boolean): void {
    if (this.#refd === on) return;
    this.#refd = on;
    if (on) this.transport.ref();
    else this.transport.unref();
  }
}

// A task's slot in a thread's cancel ring: the ring is reused in order.
function slotOf(seq: number): number {
  return seq & (SLOTS - 1);
}

class SlotProbe implements StartProbe {
  readonly slots: Int32Array;
  readonly slot: number;

  constructor(slots: Int32Array, slot: number) {
    this.slots = slots;
    this.slot = slot;
  }
  started(): boolean {
    return Atomics.load(this.slots, this.slot) === Slot.Started;
  }
  cancel(): boolean {
    return Atomics.compareExchange(
      this.slots,
      this.slot,
      Slot.Queued,
      Slot.Cancelled,
    ) ===
      Slot.Queued;
  }
}
