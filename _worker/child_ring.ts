// Copyright 2026 the @concurrent/futures authors. MIT license.
// A child process's claim ring: how its main thread and its protocol thread
// (protocol_thread.ts) agree, without a lock, which of them a sent-ahead task
// belongs to. The main thread claims each task before it runs it; the
// protocol thread claims tasks the pool asks back, for an idle worker, even
// while the main thread is stuck in a synchronous task. Whichever wins the
// compare-and-swap has it: a task handed back never runs here.
//
// Unlike a thread's cancel ring, which the pool sets to Queued as it sends a
// task, nobody here can mark a task as queued: the main thread may not have
// read it yet (that is the point). So each word is stamped with the task's
// generation (its sequence number / SLOTS): a slot's word says who won the
// task of which generation, and a claim compares against the previous
// generation's word. The pool never has more than SLOTS tasks in flight on a
// child, so a slot is reused only after its previous task was reported.
//
// A word is generation * 4 + state, the state 1 for started (main thread)
// or 2 for handed back (protocol thread); the ring starts all zeros. The
// functions are self-contained (no outside names): the protocol thread runs
// `reclaimSlot` from its source text.

/**
 * The main thread claims the task with sequence number `seq`, before it runs
 * it. False: the protocol thread handed it back; skip it.
 */
export function claimSlot(ring: Int32Array, seq: number): boolean {
  const size = ring.length;
  const slot = seq % size;
  const stamp = (Math.floor(seq / size) % 0x20000000) * 4;
  for (;;) {
    const word = Atomics.load(ring, slot);
    if (word === stamp + 2) return false;
    // Only the protocol thread writes meanwhile, and only stamp + 2.
    if (Atomics.compareExchange(ring, slot, word, stamp + 1) === word) return true;
  }
}

/**
 * The protocol thread claims the task with sequence number `seq` for the
 * pool. False: the main thread started it already (or it was handed back).
 */
export function reclaimSlot(ring: Int32Array, seq: number): boolean {
  const size = ring.length;
  const slot = seq % size;
  const generation = Math.floor(seq / size) % 0x20000000;
  const word = Atomics.load(ring, slot);
  // Only a word of the generation before (or the ring's first zeros) means
  // "not claimed yet": a later one means the slot moved on without us.
  const before = generation === 0
    ? (word === 0 || word >>> 2 === 0x1fffffff)
    : word >>> 2 === generation - 1;
  if (!before) return false;
  return Atomics.compareExchange(ring, slot, word, generation * 4 + 2) === word;
}
