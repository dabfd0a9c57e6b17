// Copyright 2026 the @concurrent/futures authors. MIT license.
// One socket to Redis and the replies it owes: opening it (TCP, TLS or unix,
// then AUTH/HELLO/SELECT), matching replies to commands first-in first-out,
// and failing every unanswered command when the socket closes. Reconnecting
// is the client's job; a Connection lives and dies with its socket.
//
// Only node:net and node:tls are used, which Deno and Bun both implement, so
// this file has no runtime branch.

import * as net from "node:net";
import * as tls from "node:tls";
import { clearInterval, setInterval, setTimeout } from "node:timers";
import { Deque } from "../_util/deque.ts";
import type { RedisConfig } from "./config.ts";
import { RedisConnectionError, RedisError } from "./errors.ts";
import { encodeCommand, type RedisArg } from "./resp_encode.ts";
import { RespParser, type RespValue } from "./resp.ts";

/** A command written (or about to be) and waiting for its reply. */
export interface Pending {
  /** Takes the reply. */
  resolve: (reply: RespValue) => void;
  /** Takes an error reply or the connection's failure. */
  reject: (error: Error) => void;
  /** Whether bulk strings in the reply should be bytes. */
  asBytes: boolean;
  /** Milliseconds the command may block before it answers (XREAD … BLOCK). */
  block?: number | undefined;
}

/** What a connection tells its owner. */
export interface ConnectionHooks {
  /** The last unanswered command got its reply. */
  onIdle: () => void;
  /** A RESP3 push message arrived. */
  onPush: (data: RespValue[]) => void;
}

// Node-style error codes, said plainly.
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the server",
  ENOENT: "no socket at that path",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  EPIPE: "connection closed by the server",
  EACCES: "permission denied",
};

/** A short reason for a socket error, for messages. */
export function describeError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" ? REASONS[code] : undefined) ?? error.message;
}

/** A connected, authenticated socket to one Redis server. */
export class Connection {
  readonly #socket: net.Socket;
  readonly #config: RedisConfig;
  readonly #inflight = new Deque<Pending>();
  readonly #parser: RespParser;
  readonly #hooks: ConnectionHooks;
  #error: Error | undefined;
  #refed = true;
  // Signs of life (bytes received, or a command written when none was
  // waiting) counted, and watchdog ticks since the last one. See #watch.
  #progress = 0;
  #seen = 0;
  #silentTicks = 0;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  /** Resolves with the reason once the socket has closed and every unanswered command failed. */
  readonly closed: Promise<Error>;

  private constructor(socket: net.Socket, config: RedisConfig, hooks: ConnectionHooks) {
    this.#socket = socket;
    this.#config = config;
    this.#hooks = hooks;
    this.#parser = new RespParser({
      onReply: (reply) => this.#onReply(reply),
      onPush: (data) => this.#hooks.onPush(data),
      bytes: () => this.#inflight.peek()?.asBytes ?? false,
    });
    // Every socket error lands here and then in `closed`; none is uncaught.
    socket.on("error", (error: Error) => (this.#error ??= error));
    socket.on("data", (chunk: Uint8Array) => {
      this.#progress++;
      try {
        this.#parser.push(chunk);
      } catch (error) {
        socket.destroy(error as Error);
      }
    });
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        clearInterval(this.#watchdog);
        const reason = this.#error ?? new Error("the server closed the connection");
        this.#failInflight(reason);
        resolve(reason);
      });
    });
  }

  /**
   * Connects, authenticates and selects the database, within `connectTimeout`.
   *
   * @throws {RedisConnectionError} With the reason: refused, timed out, authentication failed, …
   */
  static async open(config: RedisConfig, hooks: ConnectionHooks): Promise<Connection> {
    const socket = connectSocket(config);
    const connection = new Connection(socket, config, hooks);
    const timer = setTimeout(() => {
      socket.destroy(new Error(`timed out after ${config.connectTimeout} ms`));
    }, config.connectTimeout);
    try {
      await connection.#connected();
      await connection.#handshake();
      await connection.#loaded();
      return connection;
    } catch (error) {
      socket.destroy();
      // A socket failure mid-handshake also fails the handshake commands;
      // the socket's own reason is the one to report.
      const reason = await connection.closed;
      throw connectError(config, error instanceof HandshakeError ? error : reason);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the socket can still be written: false once it died, even before its close event. */
  get writable(): boolean {
    return !this.#socket.destroyed;
  }

  /** Commands written and not yet answered. */
  get inflight(): number {
    return this.#inflight.length;
  }

  /** Writes already-encoded commands; their replies go to `commands` in order. */
  write(commands: Iterable<Pending>, bytes: Uint8Array): void {
    if (this.#socket.destroyed) {
      // Dead but its close event not yet delivered: nothing reaches the server.
      const error = new RedisConnectionError(
        `Cannot send command to Redis at ${this.#config.address}: the connection closed`,
        { sent: false, cause: this.#error },
      );
      for (const command of commands) command.reject(error);
      return;
    }
    if (this.#inflight.length === 0) this.#progress++;
    for (const command of commands) this.#inflight.push(command);
    this.#socket.write(bytes);
    this.#watch();
  }

  /** Sends one command and waits for its reply. */
  send(args: readonly RedisArg[]): Promise<RespValue> {
    const bytes = encodeCommand(args);
    return new Promise((resolve, reject) =>
      this.write([{ resolve, reject, asBytes: false }], bytes)
    );
  }

  /** Closes gracefully: the server sees the end of the stream. */
  end(): void {
    this.#socket.end();
  }

  /** Closes at once; unanswered commands fail. */
  destroy(error?: Error): void {
    if (error) this.#error ??= error;
    this.#socket.destroy();
  }

  /** Whether the socket keeps the process alive. */
  setRef(ref: boolean): void {
    if (ref === this.#refed) return;
    this.#refed = ref;
    if (ref) this.#socket.ref();
    else this.#socket.unref();
  }

  // A server that stops answering without closing (a partition that drops
  // packets, a frozen process) leaves the socket open: nothing fails, for
  // ever. So while a command waits, a connection silent for commandTimeout
  // past what its oldest command may block is dropped. TCP keepalive
  // (connectSocket) covers an idle one. Silence is counted in ticks of the
  // watchdog, which keeps clock reads off the path of every reply.
  #watch(): void {
    if (this.#watchdog !== undefined) return;
    const { commandTimeout } = this.#config;
    const tick = Math.max(10, commandTimeout / 4);
    this.#seen = this.#progress;
    this.#silentTicks = 0;
    this.#watchdog = setInterval(() => {
      const head = this.#inflight.peek();
      if (head === undefined) {
        clearInterval(this.#watchdog);
        this.#watchdog = undefined;
        return;
      }
      if (this.#progress !== this.#seen) {
        this.#seen = this.#progress;
        this.#silentTicks = 0;
        return;
      }
      const silent = ++this.#silentTicks * tick;
      if (silent > commandTimeout + (head.block ?? 0)) {
        this.destroy(new Error(`no reply for ${Math.round(silent)} ms (commandTimeout)`));
      }
    }, tick);
    this.#watchdog.unref();
  }

  #connected(): Promise<void> {
    const event = this.#config.tls ? "secureConnect" : "connect";
    return new Promise((resolve, reject) => {
      this.#socket.once(event, () => resolve());
      this.closed.then(reject);
    });
  }

  async #handshake(): Promise<void> {
    const commands = handshakeCommands(this.#config);
    const replies = await Promise.allSettled(commands.map((args) => this.send(args)));
    const failed = replies.findIndex((reply) => reply.status === "rejected");
    if (failed < 0) return;
    const reason = (replies[failed] as PromiseRejectedResult).reason as Error;
    throw reason instanceof RedisError
      ? new HandshakeError(String(commands[failed]![0]), reason)
      : reason;
  }

  // A server that has just restarted answers LOADING to every command
  // until its data is read back: such a connection is not ready yet (the
  // open times out after connectTimeout like any other).
  async #loaded(): Promise<void> {
    for (;;) {
      try {
        await this.send(["PING"]);
        return;
      } catch (error) {
        if (!(error instanceof RedisError)) throw error;
        // Any other refusal (NOAUTH, say) is for the commands to report.
        if (error.code !== "LOADING") return;
      }
      await new Promise((resolve) => setTimeout(resolve, LOADING_RETRY_MS));
    }
  }

  #onReply(reply: RespValue): void {
    const command = this.#inflight.shift();
    if (command === undefined) {
      // Throwing here makes the data handler drop the connection.
      throw new Error("Cannot parse Redis reply: it answers no command");
    }
    if (reply instanceof RedisError) command.reject(reply);
    else command.resolve(reply);
    if (this.#inflight.length === 0) this.#hooks.onIdle();
  }

  #failInflight(reason: Error): void {
    const address = this.#config.address;
    for (let command = this.#inflight.shift(); command; command = this.#inflight.shift()) {
      command.reject(
        new RedisConnectionError(
          `Cannot get reply from Redis at ${address}: ${
            describeError(reason)
          }; the command may or may not have run`,
          { sent: true, cause: reason },
        ),
      );
    }
  }
}

// How often a loading server is asked again whether it is ready.
const LOADING_RETRY_MS = 50;

// Keepalive probes start after this much idle time: a peer gone without a
// word is noticed on an idle connection too.
const KEEPALIVE_MS = 10_000;

function connectSocket(config: RedisConfig): net.Socket {
  if (config.path !== undefined) return net.connect({ path: config.path });
  if (config.tls === undefined) {
    const socket = net.connect({ host: config.host, port: config.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    return socket;
  }
  const { ca, cert, key, servername, rejectUnauthorized } = config.tls;
  const options: tls.ConnectionOptions = { host: config.host, port: config.port };
  if (ca !== undefined) options.ca = Array.isArray(ca) ? ca.map(pem) : pem(ca);
  if (cert !== undefined) options.cert = pem(cert);
  if (key !== undefined) options.key = pem(key);
  if (rejectUnauthorized !== undefined) options.rejectUnauthorized = rejectUnauthorized;
  // SNI takes a host name, never an IP address.
  const name = servername ?? (net.isIP(config.host) ? undefined : config.host);
  if (name !== undefined) options.servername = name;
  const socket = tls.connect(options);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, KEEPALIVE_MS);
  return socket;
}

// node:tls takes PEM as a string or Buffer; a string works in every runtime.
function pem(value: string | Uint8Array): string {
  return typeof value === "string" ? value : new TextDecoder().decode(value);
}

function handshakeCommands(config: RedisConfig): RedisArg[][] {
  const { protocol, username, password, name, db } = config;
  const commands: RedisArg[][] = [];
  if (protocol === 3) {
    const hello: RedisArg[] = ["HELLO", 3];
    if (password !== undefined) hello.push("AUTH", username ?? "default", password);
    if (name !== undefined) hello.push("SETNAME", name);
    commands.push(hello);
  } else {
    if (password !== undefined) {
      commands.push(username === undefined ? ["AUTH", password] : ["AUTH", username, password]);
    }
    if (name !== undefined) commands.push(["CLIENT", "SETNAME", name]);
  }
  if (db !== 0) commands.push(["SELECT", db]);
  return commands;
}

// A server error during the handshake, with the command it answered (whose
// arguments may hold a password, so only its name is kept).
class HandshakeError extends Error {
  readonly command: string;
  readonly reply: RedisError;

  constructor(command: string, reply: RedisError) {
    super(reply.message, { cause: reply });
    this.command = command;
    this.reply = reply;
  }
}

function connectError(config: RedisConfig, error: Error): RedisConnectionError {
  const prefix = `Cannot connect to Redis at ${config.address}`;
  if (!(error instanceof HandshakeError)) {
    return new RedisConnectionError(`${prefix}: ${describeError(error)}`, { cause: error });
  }
  const { command, reply } = error;
  const auth = /^(WRONGPASS|NOAUTH|NOPERM)$/.test(reply.code) ||
    /\bAUTH\b|password/i.test(reply.message);
  const what = auth
    ? "authentication failed"
    : command === "HELLO"
    ? "the server does not support RESP3 (HELLO 3)"
    : command === "SELECT"
    ? `cannot select database ${config.db}`
    : `${command} failed`;
  return new RedisConnectionError(`${prefix}: ${what}: ${reply.message}`, { cause: reply });
}
