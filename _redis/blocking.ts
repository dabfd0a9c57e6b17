// Copyright 2026 the @concurrent/futures authors. MIT license.
// A connection for blocking reads (XREAD / XREADGROUP … BLOCK) that can be
// interrupted. A blocked command holds its connection, so it gets its own
// client; interrupting it is `CLIENT UNBLOCK <id>` sent on the other client,
// which makes the read return null at once, as a timeout would. Closing the
// socket instead would leave it unknown whether XREADGROUP had delivered
// entries (and so claimed them) just before.

import { setTimeout } from "node:timers";
import type { RedisClient } from "./client.ts";
import type { RedisClientOptions } from "./config.ts";
import type { RespValue } from "./resp.ts";
import type { RedisArg } from "./resp_encode.ts";

/** A blocking-read connection beside a command client. */
export class BlockingReader {
  readonly #commands: RedisClient;
  readonly #client: RedisClient;
  // The server's id of the connection; a reconnect makes a new one.
  #id: number | undefined;
  #reading = false;
  #interrupted = false;

  /**
   * Duplicates `commands` into a client for blocking reads. With `hold`,
   * the connection keeps the process alive even between reads (a worker
   * node, which serves until stopped); without it, only a read in flight
   * does.
   */
  constructor(commands: RedisClient, overrides: RedisClientOptions = {}, hold = false) {
    this.#commands = commands;
    this.#client = commands.duplicate({
      ...overrides,
      onEvent: (event) => {
        if (event.type === "disconnect") this.#id = undefined;
      },
    });
    if (!hold) this.#client.unref();
  }

  /** Whether a read is in flight. */
  get reading(): boolean {
    return this.#reading;
  }

  /** Runs one blocking read (of `block` ms); an interrupt makes it resolve with null. */
  async read(args: readonly RedisArg[], block: number): Promise<RespValue> {
    return (await this.readThen(args, block))[0];
  }

  /**
   * Runs one blocking read (of `block` ms) with `then` pipelined behind it
   * on the same connection: the server runs `then` the moment the read
   * returns, with no round trip between them. Resolves with the read's
   * reply (null when interrupted) and with `then`'s reply, or its error:
   * a failed `then` never loses the read's reply.
   */
  async readThen(
    args: readonly RedisArg[],
    block: number,
    then?: readonly RedisArg[],
  ): Promise<[RespValue, RespValue | Error]> {
    this.#reading = true;
    const options = { block };
    this.#interrupted = false;
    try {
      // Sent in the same tick as the read, so it is written just before it.
      const id = this.#id === undefined ? this.#client.send(["CLIENT", "ID"]) : undefined;
      const reply = this.#client.send(args, options);
      const after = then === undefined
        ? Promise.resolve(null)
        : this.#client.send(then).catch((error: Error) => error);
      if (id !== undefined) {
        // Both fail together when the connection does: the reply's error
        // is the one to report, and must not go unhandled meanwhile.
        reply.catch(() => {});
        this.#id = await id.catch(() => undefined) as number | undefined;
        if (this.#interrupted) this.interrupt(); // asked before the id was known
      }
      return [await reply, await after];
    } finally {
      this.#reading = false;
    }
  }

  /** Sends a command that does not block on the read's connection, between reads. */
  send(args: readonly RedisArg[]): Promise<RespValue> {
    return this.#client.send(args);
  }

  /** Ends the read in flight, if any, as if its BLOCK time had passed. */
  interrupt(): void {
    this.#interrupted = true;
    if (!this.#reading || this.#id === undefined) return;
    this.#unblock(this.#id, 100);
  }

  // The unblock travels on the other connection, so it can reach the server
  // before the read it is meant for; then it finds nothing blocked (0), and
  // is sent again until the read has arrived and returned.
  #unblock(id: number, attempts: number): void {
    this.#commands.send(["CLIENT", "UNBLOCK", id]).then((unblocked) => {
      if (unblocked === 0 && this.#reading && this.#id === id && attempts > 1) {
        setTimeout(() => this.#unblock(id, attempts - 1), 1);
      }
    }, () => {
      // The connection is gone: the read fails on its own.
    });
  }

  /** Closes the connection, interrupting a read in flight. */
  async close(): Promise<void> {
    this.interrupt();
    await this.#client.close();
  }
}
