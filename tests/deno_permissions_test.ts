// A Deno child never holds more than its parent (issue 23): entries Deno
// answers for as written but that cover more (a host without its port, a
// range, a name, a wildcard), Deno's default import hosts, and `--allow-run`.

import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { test } from "node:test";
import {
  checkDenoPermissions,
  denoPermissionFlags,
  type DenoPermissions,
  PERMISSION_NAMES,
  type QueryPermission,
} from "../_runtime/deno/permissions.ts";
import { DEFAULT_IMPORT_HOSTS } from "../_runtime/deno/entries.ts";
import { runtime } from "../_runtime/runtime.ts";
import { ProcessPoolExecutor } from "../process.ts";
import { runScript } from "./_run_script.ts";

const denoOnly = {
  skip: runtime !== "deno" && "Deno permissions",
};
const script = new URL("./fixtures/deno_child_grants_script.ts", import.meta.url);
// What a parent needs to start children, and no more: run only Deno itself.
const BASE = ["--allow-read", "--allow-env", `--allow-run=${process.execPath}`];

// What a child holds, as the fixture reports it, or its "error …" line.
async function childHolds(
  denoFlags: string[],
  spelled: DenoPermissions | undefined,
  queries: [string, string][],
  target?: string,
): Promise<Record<string, string> | string> {
  const args = [spelled ? JSON.stringify(spelled) : "", JSON.stringify(queries)];
  const { stdout, stderr } = await runScript(script, {
    denoFlags,
    args: target ? [...args, target] : args,
  });
  const line = stdout.trim();
  assert.ok(line !== "", stderr);
  return line.startsWith("error ") ? line : JSON.parse(line);
}

test("an empty entry or a * wildcard is a TypeError for every permission that takes a list", () => {
  for (const name of PERMISSION_NAMES) {
    for (const entry of ["", "*", "SECR*", "*.example.com", "/data/*"]) {
      assert.throws(
        () => checkDenoPermissions({ [name]: ["ok", entry] }, "create ProcessPoolExecutor"),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.equal(
            error.message,
            `Cannot create ProcessPoolExecutor: denoPermissions.${name} holds ${
              JSON.stringify(entry)
            }, but ${
              entry === "" ? "an entry must not be empty" : 'an entry must not hold a "*" wildcard'
            }`,
          );
          return true;
        },
        `${name}: ${JSON.stringify(entry)}`,
      );
    }
  }
});

test("ProcessPoolExecutor refuses an empty or wildcard entry at construction", denoOnly, () => {
  for (const name of PERMISSION_NAMES) {
    for (const entry of ["", "SECR*"]) {
      assert.throws(
        () => new ProcessPoolExecutor({ denoPermissions: { [name]: [entry] } }),
        (error: unknown) => error instanceof TypeError && error.message.includes(`.${name} holds`),
        `${name}: ${JSON.stringify(entry)}`,
      );
    }
  }
});

test("under a partial net or import grant only a host with its port passes, and under --deny-net only an IP address", () => {
  // As Deno answers `--allow-net --deny-net=127.0.0.1:6480 --allow-import=cdn.test`:
  // every entry as written, whatever it covers (measured, Deno 2.9.6).
  const query: QueryPermission = (name, entry) => {
    if (name === "net") return entry === undefined ? "partial" : "granted";
    if (name === "import") return entry === undefined ? "prompt" : "granted";
    return "prompt";
  };
  const refused: [DenoPermissions, string][] = [
    [{ net: ["127.0.0.1"] }, "must be a host and a port"],
    [{ net: ["127.0.0.0/8"] }, "must be a host and a port"],
    [{ net: ["127.0.0.0/8:6480"] }, "must be a host and a port"],
    [{ net: ["localhost:6480"] }, "must be an IP address and a port"],
    [{ net: ["127.1:6480"] }, "must be an IP address and a port"],
    [{ net: ["0177.0.0.1:6480"] }, "must be an IP address and a port"],
    [{ net: ["2130706433:6480"] }, "must be an IP address and a port"],
    [{ net: ["[0:0::1]:6480"] }, "must be an IP address and a port"],
    [{ import: ["cdn.test"] }, "must be a host and a port"],
  ];
  for (const [asked, rule] of refused) {
    assert.throws(
      () => denoPermissionFlags(asked, [], query),
      (error: unknown) => {
        assert.ok(error instanceof TypeError);
        const [name, [entry]] = Object.entries(asked)[0] as [string, string[]];
        assert.ok(
          error.message.startsWith(`Cannot give a child process --allow-${name}=${entry}: `),
          error.message,
        );
        assert.ok(error.message.includes(rule), error.message);
        return true;
      },
    );
  }
  assert.deepEqual(
    denoPermissionFlags(
      { net: ["127.0.0.1:6481", "[::1]:6480"], import: ["cdn.test:443"] },
      [],
      query,
    ),
    [
      "--allow-net=127.0.0.1:6481,[::1]:6480",
      `--allow-import=${[...DEFAULT_IMPORT_HOSTS, "cdn.test:443"].join(",")}`,
    ],
  );
  // Under a whole grant an entry covers nothing the parent lacks.
  const whole: QueryPermission = () => "granted";
  assert.deepEqual(denoPermissionFlags({ net: ["127.0.0.0/8", "localhost"] }, [], whole), [
    "--allow-net=127.0.0.0/8,localhost",
  ]);
  // A host Deno cannot read is a TypeError too, not Deno's URIError.
  const throwing: QueryPermission = (_name, entry) => {
    if (entry) throw new URIError(`invalid host: '${entry}'`);
    return "granted";
  };
  assert.throws(
    () => denoPermissionFlags({ net: ["a b"] }, [], throwing),
    /^TypeError: Cannot give a child process --allow-net=a b: Deno cannot read it/,
  );
});

test("a child's import hosts are the default hosts its parent holds, plus those listed", () => {
  const holding = (hosts: string[]): QueryPermission => (name, entry) =>
    name === "env" || (name === "import" && entry !== undefined && hosts.includes(entry))
      ? "granted"
      : "prompt";
  const all = holding([...DEFAULT_IMPORT_HOSTS, "127.0.0.1:8000"]);
  // Every default held, nothing listed: Deno's own defaults are the parent's.
  assert.deepEqual(denoPermissionFlags({ env: true }, [], all), ["--allow-env"]);
  assert.deepEqual(denoPermissionFlags({ import: ["127.0.0.1:8000"] }, [], all), [
    `--allow-import=${[...DEFAULT_IMPORT_HOSTS, "127.0.0.1:8000"].join(",")}`,
  ]);
  // `false`: none at all, not even the defaults; only a task module's host.
  assert.deepEqual(denoPermissionFlags({ import: false }, [], all), [
    "--allow-import=jsr.io:443",
    "--deny-import=jsr.io:443",
  ]);
  assert.deepEqual(denoPermissionFlags({ import: false }, ["http://127.0.0.1:8000/t.ts"], all), [
    "--allow-import=127.0.0.1:8000",
  ]);
  // A parent denied esm.sh (--deny-import=esm.sh:443): its children too.
  const noEsm = holding(DEFAULT_IMPORT_HOSTS.filter((host) => host !== "esm.sh:443"));
  assert.deepEqual(denoPermissionFlags(undefined, [], noEsm), [
    "--allow-env",
    "--allow-import=jsr.io:443,deno.land:443,cdn.jsdelivr.net:443,raw.githubusercontent.com:443,gist.githubusercontent.com:443",
  ]);
  // A task module's host is asked with its port: as under
  // `--allow-import --deny-import=cdn.test:443`, Deno answers "granted" for
  // cdn.test alone, though it covers the denied port.
  const bare = holding([...DEFAULT_IMPORT_HOSTS, "cdn.test", "127.0.0.1:8000"]);
  assert.deepEqual(
    denoPermissionFlags(undefined, ["https://cdn.test/x.js", "http://127.0.0.1:8000/t.ts"], bare),
    ["--allow-env", `--allow-import=${[...DEFAULT_IMPORT_HOSTS, "127.0.0.1:8000"].join(",")}`],
  );
});

// Counts the connections a loopback listener accepts.
async function listen(): Promise<{ server: Server; port: number; accepted: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, accepted: () => count };
}

test(
  "a child cannot reach a host:port its parent is denied, whatever entry covers it",
  denoOnly,
  async () => {
    const { server, port, accepted } = await listen();
    try {
      const flags = [...BASE, "--allow-net", `--deny-net=127.0.0.1:${port}`];
      const entries = ["127.0.0.1", "127.0.0.0/8", `localhost:${port}`, `127.1:${port}`];
      const outcomes = await Promise.all(
        entries.map((entry) => childHolds(flags, { net: [entry] }, [], `127.0.0.1:${port}`)),
      );
      for (const [i, outcome] of outcomes.entries()) {
        assert.match(
          String(outcome),
          new RegExp(`^error TypeError: Cannot give a child process --allow-net=${entries[i]}: `),
          JSON.stringify(outcome),
        );
      }
      // An address with another port passes, and still cannot reach this one.
      const other = await childHolds(
        flags,
        { net: [`127.0.0.1:${port === 65535 ? port - 1 : port + 1}`] },
        [],
        `127.0.0.1:${port}`,
      );
      assert.deepEqual(other, { connect: "NotCapable" });
      assert.equal(accepted(), 0, "no child connected");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  },
);

const importQueries = (hosts: readonly string[]): [string, string][] =>
  hosts.map((host) => ["import", host]);

test(
  "a child imports from exactly the hosts its parent may import from",
  denoOnly,
  async () => {
    const hosts = [...DEFAULT_IMPORT_HOSTS, "127.0.0.1:8000"];
    const queries: [string, string][] = [...importQueries(hosts), ["run", process.execPath]];
    const state = (entries: Record<string, string> | string) => {
      assert.equal(typeof entries, "object", String(entries));
      return (host: string) => (entries as Record<string, string>)[`import:${host}`];
    };
    const [plain, noEsm, listed, listedSpelled, none] = await Promise.all([
      childHolds(BASE, undefined, queries),
      childHolds([...BASE, "--deny-import=esm.sh:443"], undefined, queries),
      childHolds([...BASE, "--allow-import=127.0.0.1:8000"], undefined, queries),
      childHolds([...BASE, "--allow-import=127.0.0.1:8000"], {
        import: ["127.0.0.1:8000"],
      }, queries),
      childHolds(BASE, { import: false }, queries),
    ]);
    for (const host of DEFAULT_IMPORT_HOSTS) {
      assert.equal(state(plain)(host), "granted", host);
      assert.equal(state(noEsm)(host) === "granted", host !== "esm.sh:443", host);
      // A list replaces Deno's defaults in the parent: in its children too.
      assert.notEqual(state(listed)(host), "granted", host);
      assert.notEqual(state(listedSpelled)(host), "granted", host);
      assert.notEqual(state(none)(host), "granted", host);
    }
    // The parent's list cannot be learned: given only where spelled out.
    assert.equal(state(listed)("127.0.0.1:8000"), "prompt");
    assert.equal(state(listedSpelled)("127.0.0.1:8000"), "granted");
    // --allow-run=<deno> starts children, which get no run permission.
    assert.equal((plain as Record<string, string>)[`run:${process.execPath}`], "prompt");
  },
);

test(
  "under a deny on import a child is refused a host without its port",
  denoOnly,
  async () => {
    const flags = [...BASE, "--allow-import", "--deny-import=esm.sh:443"];
    assert.match(
      String(await childHolds(flags, { import: ["esm.sh"] }, [])),
      /^error TypeError: Cannot give a child process --allow-import=esm.sh: /,
    );
    const spelled = await childHolds(flags, { import: ["esm.sh:8443"] }, [
      ["import", "esm.sh:443"],
      ["import", "esm.sh:8443"],
    ]);
    assert.deepEqual(spelled, { "import:esm.sh:443": "prompt", "import:esm.sh:8443": "granted" });
  },
);
