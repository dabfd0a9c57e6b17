// Test helper: a real redis-server per test, on a free loopback port, a unix
// socket or TLS, in its own temp dir, persisted only when asked. No mocks: the
// client is tested against the server it will meet in production.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";

/** How to configure a test server. */
export interface RedisServerOptions {
  /** `requirepass` for the default user. @default {none} */
  password?: string;
  /** ACL users with every permission, as `{ name: password }`. @default {none} */
  users?: Record<string, string>;
  /** Listen on a unix socket in the temp dir instead of TCP. @default {false} */
  unixSocket?: boolean;
  /** Listen with TLS only, with a fresh CA and certificate. @default {false} */
  tls?: boolean;
  /**
   * Keep the data across a restart, even a SIGKILL: an append-only file
   * written through on every command. @default {false}
   */
  persist?: boolean;
  /** Start as a replica of the server at this port on 127.0.0.1. @default {none} */
  replicaOf?: number;
}

const INSTALL_HINT = "run `apt-get install -y redis-server` (Debian/Ubuntu) to install it";

/** A running redis-server, for one test. Dispose it to stop it and remove its files. */
export class RedisServer {
  readonly #options: RedisServerOptions;
  readonly #dir: string;
  readonly #port: number;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #log = "";

  private constructor(options: RedisServerOptions, dir: string, port: number) {
    this.#options = options;
    this.#dir = dir;
    this.#port = port;
  }

  /** Starts a server and resolves once it answers PING. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), "redis-test-"));
    try {
      const port = options.unixSocket ? 0 : await freePort();
      const server = new RedisServer(options, dir, port);
      if (options.tls) await makeCertificates(dir);
      server.#writeConfig();
      await server.resume();
      return server;
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The TCP port, or 0 for a unix socket server. */
  get port(): number {
    return this.#port;
  }

  /** The unix socket path (only meaningful with `unixSocket`). */
  get socketPath(): string {
    return join(this.#dir, "redis.sock");
  }

  /** The CA certificate (PEM) that signed a TLS server's certificate. */
  get ca(): string {
    return readFileSync(join(this.#dir, "ca.crt"), "utf8");
  }

  /** A URL for the server, without credentials. */
  get url(): string {
    if (this.#options.unixSocket) return `unix://${this.socketPath}`;
    return `${this.#options.tls ? "rediss" : "redis"}://127.0.0.1:${this.#port}`;
  }

  /** Starts the server process again (same port, socket and files) and waits for PING. */
  async resume(): Promise<void> {
    if (this.#child) throw new Error("Cannot start redis-server: it is already running");
    this.#log = "";
    const child = spawn("redis-server", [join(this.#dir, "redis.conf")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    let spawnError: Error | null = null;
    this.#exited = new Promise((resolve) => {
      child.on("error", (error) => {
        spawnError = error;
        resolve();
      });
      child.on("exit", () => resolve());
    });
    const keep = (data: Buffer) => (this.#log = (this.#log + data).slice(-4000));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    let exited = false;
    this.#exited.then(() => (exited = true));
    await this.#waitForPing(() => exited, () => spawnError);
  }

  /** Kills the server process (SIGKILL by default, as a crash) and waits for it to exit. */
  async halt(how: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    if (child.exitCode === null && child.signalCode === null) {
      signal(child, how);
      signal(child, "SIGCONT"); // a frozen process acts on SIGTERM only once thawed
    }
    await this.#exited;
  }

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) the server process: while frozen
   * the kernel still accepts connections, but nothing answers, as with a
   * hung server or a network partition.
   */
  freeze(frozen: boolean): void {
    if (this.#child) signal(this.#child, frozen ? "SIGSTOP" : "SIGCONT");
  }

  /** Stops the server and removes its temp dir. */
  async stop(): Promise<void> {
    await this.halt("SIGTERM");
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** Same as {@linkcode RedisServer.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #writeConfig(): void {
    const { password, users = {}, unixSocket, tls, persist, replicaOf } = this.#options;
    const lines = [
      `dir ${this.#dir}`,
      'save ""',
      persist ? "appendonly yes\nappendfsync always" : "appendonly no",
      "bind 127.0.0.1",
      "protected-mode no",
      "loglevel warning",
    ];
    if (unixSocket) lines.push("port 0", `unixsocket ${this.socketPath}`, "unixsocketperm 700");
    else if (tls) {
      lines.push("port 0", `tls-port ${this.#port}`, "tls-auth-clients no");
      for (
        const [key, file] of [["cert", "server.crt"], ["key", "server.key"], ["ca-cert", "ca.crt"]]
      ) {
        lines.push(`tls-${key}-file ${join(this.#dir, file!)}`);
      }
    } else lines.push(`port ${this.#port}`);
    if (password !== undefined) lines.push(`requirepass ${password}`);
    if (replicaOf !== undefined) lines.push(`replicaof 127.0.0.1 ${replicaOf}`);
    for (const [name, secret] of Object.entries(users)) {
      lines.push(`user ${name} on >${secret} ~* &* +@all`);
    }
    writeFileSync(join(this.#dir, "redis.conf"), lines.join("\n") + "\n");
  }

  // Polls with a raw PING (not the client under test) until the server
  // answers; NOAUTH is an answer too.
  async #waitForPing(exited: () => boolean, spawnError: () => Error | null): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const error = spawnError();
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        throw new Error(
          missing
            ? `Cannot start redis-server: it is not installed; ${INSTALL_HINT}`
            : `Cannot start redis-server: ${error.message}`,
          { cause: error },
        );
      }
      if (exited()) throw new Error(`Cannot start redis-server: it exited\n${this.#log}`);
      if (await this.#ping()) return;
      if (Date.now() > deadline) {
        await this.halt();
        throw new Error(`Cannot start redis-server: no PING reply within 10 s\n${this.#log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10)); // poll interval
    }
  }

  #ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = this.#options.unixSocket
        ? net.connect({ path: this.socketPath })
        : this.#options.tls
        ? tls.connect({ host: "127.0.0.1", port: this.#port, ca: this.ca, servername: "localhost" })
        : net.connect({ host: "127.0.0.1", port: this.#port });
      let answer = "";
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.on("error", () => done(false));
      socket.on("close", () => done(false));
      socket.on("data", (data: Buffer) => {
        answer += data.toString("latin1");
        if (answer.includes("\r\n")) done(/^(\+PONG|-NOAUTH)/.test(answer));
      });
      socket.write("*1\r\n$4\r\nPING\r\n");
    });
  }
}

// Deno's ChildProcess.kill() sends one signal per child: after the first it
// returns false and sends nothing (Deno 2.9.6), so SIGSTOP then SIGCONT, or
// SIGSTOP then SIGTERM, would leave a frozen server. process.kill() by pid
// works in both runtimes.
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    process.kill(child.pid!, name);
  } catch {
    // Already gone: the exit event settles the rest.
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on (at the time of asking). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd }, (error, _stdout, stderr) => {
      if (error) {
        reject(new Error(`Cannot run ${command} ${args.join(" ")}: ${stderr}`, { cause: error }));
      } else resolve();
    });
  });
}

// A private CA and a server certificate it signed, for localhost and
// 127.0.0.1: the shape of a real private deployment, where the client is
// given the CA, not the server's certificate.
async function makeCertificates(dir: string): Promise<void> {
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await run("openssl", [
    "req",
    "-x509",
    ...key,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=Test CA",
  ], dir);
  await run("openssl", [
    "req",
    ...key,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  ], dir);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ], dir);
}
