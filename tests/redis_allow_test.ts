// A worker node's allow prefixes (_redis/allow.ts): every row of issue 23's
// table, and the boundaries around them. File rows use a real folder with
// real symlinks, resolved by the real realpath.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { type AllowRule, checkModule, parseAllowRule } from "../_redis/allow.ts";

interface Tree extends Disposable {
  /** file:// URL of the tree's root, with a trailing slash. */
  readonly root: string;
  readonly real: string;
}

// root/ok/task.ts, root/ok/sub/deep.ts, root/okay/x.ts, root/evil.ts,
// root/ok/out -> root (a symlink inside the prefix that leads outside),
// root/ok/in -> root/ok/sub, root/link -> root/ok (a prefix through a symlink).
function tree(): Tree {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "allow-")));
  for (const folder of ["ok/sub", "okay"]) mkdirSync(join(dir, folder), { recursive: true });
  for (const file of ["ok/task.ts", "ok/sub/deep.ts", "okay/x.ts", "evil.ts"]) {
    writeFileSync(join(dir, file), "export const x = 1;\n");
  }
  symlinkSync(dir, join(dir, "ok/out"));
  symlinkSync(join(dir, "ok/sub"), join(dir, "ok/in"));
  symlinkSync(join(dir, "ok"), join(dir, "link"));
  return {
    root: pathToFileURL(dir).href + "/",
    real: dir,
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function check(module: string, allow: string[]) {
  const rules: AllowRule[] = allow.map(parseAllowRule);
  return checkModule(module, rules, realpathSync);
}

function refused(module: string, allow: string[], why: RegExp): void {
  const verdict = check(module, allow);
  assert.equal(verdict.ok, false, `${module} was allowed`);
  if (!verdict.ok) assert.match(verdict.why, why, module);
}

test("file: the issue's rows: .., encoded slashes and backslashes, NUL are refused", () => {
  using t = tree();
  const allow = [`${t.root}ok/`];
  refused(`${t.root}ok/../evil.ts`, allow, /outside/);
  for (const escape of ["..%2fevil.ts", "..%2Fevil.ts", "%2e%2e%2fevil.ts", "%2E%2E%2Fevil.ts"]) {
    refused(`${t.root}ok/${escape}`, allow, /encoded separator/);
  }
  refused(`${t.root}ok/..%5cevil.ts`, allow, /encoded separator/);
  refused(`${t.root}ok/..%5Cevil.ts`, allow, /encoded separator/);
  refused(`${t.root}ok/${"..%2f".repeat(8)}etc%2fpasswd`, allow, /encoded separator/);
  refused(`${t.root}ok/task.ts%00.png`, allow, /NUL/);
  refused(`${t.root}ok/task.ts\u0000`, allow, /control character/);
  refused(`${t.root}ok\\..\\evil.ts`, allow, /backslash/);
  refused(`${t.root}ok/..\\evil.ts`, allow, /backslash/);
  refused(`${t.root}ok/.%2e/evil.ts`, allow, /outside/); // WHATWG resolves it first
});

test("file: doubly encoded separators, dots and escapes are refused too", () => {
  using t = tree();
  const allow = [`${t.root}ok/`];
  for (const escape of ["..%252fevil.ts", "..%255cevil.ts", "%252e%252e", "x%2500", "%25252f"]) {
    refused(`${t.root}ok/${escape}`, allow, /doubly encoded/);
  }
  refused(`${t.root}ok/%E0%A4%A`, allow, /malformed escape/);
  refused(`${t.root}ok//task.ts`, allow, /empty path segment/);
});

test("file: a module inside the prefix is allowed and imported by its resolved path", () => {
  using t = tree();
  const allow = [`${t.root}ok/`];
  assert.deepEqual(check(`${t.root}ok/task.ts`, allow), {
    ok: true,
    module: `${t.root}ok/task.ts`,
  });
  assert.deepEqual(check(`${t.root}ok/sub/deep.ts`, allow), {
    ok: true,
    module: `${t.root}ok/sub/deep.ts`,
  });
  // Escapes of ordinary characters are fine: they decode to one segment.
  assert.deepEqual(check(`${t.root}ok/%74ask.ts`, allow), {
    ok: true,
    module: `${t.root}ok/task.ts`,
  });
  // A symlink that stays inside: allowed, and imported where it leads.
  assert.deepEqual(check(`${t.root}ok/in/deep.ts`, allow), {
    ok: true,
    module: `${t.root}ok/sub/deep.ts`,
  });
  // The query stays (a cache-busting suffix); `localhost` is no host.
  assert.deepEqual(check(`${t.root}ok/task.ts?v=2`, allow), {
    ok: true,
    module: `${t.root}ok/task.ts?v=2`,
  });
  const local = `file://localhost${t.real}/ok/task.ts`;
  assert.deepEqual(check(local, allow), { ok: true, module: `${t.root}ok/task.ts` });
});

test("file: a symlink inside the prefix that leads outside it is refused", () => {
  using t = tree();
  refused(
    `${t.root}ok/out/evil.ts`,
    [`${t.root}ok/`],
    /outside this worker's allow prefixes once symlinks/,
  );
  refused(`${t.root}ok/out/okay/x.ts`, [`${t.root}ok/`], /once symlinks are resolved/);
});

test("file: a prefix through a symlink allows what its target holds, by either path", () => {
  using t = tree();
  const allow = [`${t.root}link/`];
  assert.deepEqual(check(`${t.root}link/task.ts`, allow), {
    ok: true,
    module: `${t.root}ok/task.ts`,
  });
  assert.deepEqual(check(`${t.root}ok/task.ts`, allow), {
    ok: true,
    module: `${t.root}ok/task.ts`,
  });
  refused(`${t.root}evil.ts`, allow, /outside/);
});

test("file: a prefix matches whole segments only", () => {
  using t = tree();
  refused(`${t.root}okay/x.ts`, [`${t.root}ok`], /outside/);
  refused(`${t.root}okay/x.ts`, [`${t.root}ok/`], /outside/);
  assert.equal(check(`${t.root}ok/task.ts`, [`${t.root}ok`]).ok, true);
  // A prefix that names one file allows that file only.
  assert.equal(check(`${t.root}ok/task.ts`, [`${t.root}ok/task.ts`]).ok, true);
  refused(`${t.root}ok/task.tsx`, [`${t.root}ok/task.ts`], /outside/);
});

test("file: a missing module inside a prefix is refused as such, and marked to be asked again", () => {
  using t = tree();
  const verdict = check(`${t.root}ok/later.ts`, [`${t.root}ok/`]);
  assert.deepEqual(verdict, {
    ok: false,
    why: "does not exist on this worker (ENOENT)",
    again: true,
  });
  // Outside every prefix, a missing file is just outside: no probing of other folders.
  assert.deepEqual(check(`${t.root}nowhere/x.ts`, [`${t.root}ok/`]), {
    ok: false,
    why: "is outside this worker's allow prefixes",
  });
  // An allowed folder that does not exist allows nothing.
  refused(`${t.root}ok/task.ts`, [`${t.root}gone/`, `${t.root}gone2`], /outside/);
});

test("file: a host, or another scheme than the prefix's, is refused", () => {
  using t = tree();
  refused(`file://server${t.real}/ok/task.ts`, [`${t.root}ok/`], /names a host/);
  refused(`data:text/javascript,export const x = 1`, [`${t.root}ok/`], /scheme/);
  refused(`node:fs`, [`${t.root}ok/`], /scheme/);
  refused(`not a url`, [`${t.root}ok/`], /scheme/);
  refused(`https://jsr.io/x.ts`, [`${t.root}ok/`], /outside/);
});

test("http(s): encoded separators and dot segments are refused; origin and segments compare exactly", () => {
  const allow = ["http://host/tasks/"];
  refused("http://host/tasks/..%2fevil.js", allow, /encoded separator/);
  refused("http://host/tasks/..%2Fevil.js", allow, /encoded separator/);
  refused("http://host/tasks/..%5cevil.js", allow, /encoded separator/);
  refused("http://host/tasks/..%252fevil.js", allow, /doubly encoded/);
  refused("http://host/tasks/../evil.js", allow, /outside/);
  refused("http://host/tasks/%2e%2e/evil.js", allow, /outside/);
  refused("http://host/tasks\\..\\evil.js", allow, /backslash/);
  refused("http://host/tasks//evil.js", allow, /empty path segment/);
  refused("http://host/tasks-old/a.js", ["http://host/tasks"], /outside/);
  refused("http://host:8080/tasks/a.js", allow, /outside/);
  refused("https://host/tasks/a.js", allow, /outside/);
  refused("http://host.evil/tasks/a.js", allow, /outside/);
  refused("http://user:pw@host/tasks/a.js", allow, /outside/);
  assert.deepEqual(check("http://HOST:80/tasks/a.js", allow), {
    ok: true,
    module: "http://host/tasks/a.js",
  });
  assert.deepEqual(
    check("https://jsr.io/@me/tasks/1.2.3/mod.ts", ["https://jsr.io/@me/tasks/1.2.3/"]),
    {
      ok: true,
      module: "https://jsr.io/@me/tasks/1.2.3/mod.ts",
    },
  );
  refused("https://jsr.io/@me/tasks/1.2.30/mod.ts", ["https://jsr.io/@me/tasks/1.2.3"], /outside/);
});

test("npm: and jsr: are parsed as name, version and path; dot segments and escapes are refused", () => {
  const allow = ["npm:left-pad@1.3.0", "jsr:@me/tasks@1.2.3/", "jsr:@team/", "npm:any-version@"];
  refused("npm:left-pad@1.3.0/../../other/index.js", allow, /dot segment/);
  refused("npm:left-pad@1.3.0/./index.js", allow, /dot segment/);
  refused("npm:/left-pad@1.3.0/../x", allow, /dot segment/);
  refused("npm:left-pad@1.3.0/..%2f..%2fother", allow, /encoded separator/);
  refused("npm:left-pad@1.3.0/a%5cb", allow, /encoded separator/);
  refused("npm:left-pad@1.3.0/a\\b", allow, /backslash/);
  refused("npm:left-pad@1.3.0/index.js?x", allow, /query/);
  refused("npm:left-pad@1.3.1", allow, /outside/);
  refused("npm:left-pad", allow, /outside/); // any version is not this version
  refused("npm:left-pad-evil@1.3.0", allow, /outside/);
  refused("npm:..@1.3.0", allow, /package name/);
  refused("npm:left%2dpad@1.3.0", allow, /package name/);
  refused("jsr:@me/tasks@1.2.3/../../@evil/x", allow, /dot segment/);
  refused("jsr:@me/other@1.2.3", allow, /outside/);
  refused("jsr:@team2/x", allow, /outside/);
  refused("npm:@me/tasks@1.2.3", allow, /outside/); // the scheme counts
  assert.deepEqual(check("npm:left-pad@1.3.0", allow), { ok: true, module: "npm:left-pad@1.3.0" });
  assert.deepEqual(check("npm:left-pad@1.3.0/lib/index.js", allow), {
    ok: true,
    module: "npm:left-pad@1.3.0/lib/index.js",
  });
  assert.deepEqual(check("jsr:/@me/tasks@1.2.3/mod.ts", allow), {
    ok: true,
    module: "jsr:/@me/tasks@1.2.3/mod.ts",
  });
  assert.equal(check("jsr:@team/anything@^2/x.ts", allow).ok, true);
  assert.equal(check("npm:any-version@9.9.9", allow).ok, true);
  assert.equal(check("npm:any-version", allow).ok, true);
});

test("a prefix that could not be checked safely is a TypeError", () => {
  for (
    const [prefix, why] of [
      ["/srv/app/", /must be a file:, http:, https:, npm: or jsr: URL/],
      ["data:text/javascript,", /must be a file:/],
      ["file:///srv/app/..%2f/", /encoded separator/],
      ["file:///srv\\app/", /backslash/],
      ["https://host/tasks/?v=1", /query or a fragment/],
      ["file://server/share/", /names a host/],
      ["npm:../x", /package name/],
      ["jsr:@me/tasks@1.2.3/../x", /dot segment/],
    ] as const
  ) {
    assert.throws(() => parseAllowRule(prefix), (error) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /^Cannot use allow prefix /);
      assert.match(error.message, why, prefix);
      return true;
    });
  }
  assert.equal(parseAllowRule("https://JSR.io/a/../b/").text, "https://jsr.io/b/");
});
