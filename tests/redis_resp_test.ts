import assert from "node:assert/strict";
import { test } from "node:test";
import { RedisError } from "../_redis/errors.ts";
import { RespParser, type RespValue } from "../_redis/resp.ts";
import { CommandBuffer, encodeCommand } from "../_redis/resp_encode.ts";

const utf8 = new TextEncoder();

function bytesOf(text: string): Uint8Array {
  return utf8.encode(text);
}

// Parses `bytes` pushed as the given pieces; returns the replies and pushes.
function parse(
  pieces: Uint8Array[],
  options: { bytes?: boolean } = {},
): { replies: RespValue[]; pushes: RespValue[][] } {
  const replies: RespValue[] = [];
  const pushes: RespValue[][] = [];
  const parser = new RespParser({
    onReply: (reply) => replies.push(reply),
    onPush: (push) => pushes.push(push),
    bytes: () => options.bytes ?? false,
  });
  for (const piece of pieces) parser.push(piece);
  assert.ok(parser.idle, "the parser holds nothing once the last reply is in");
  return { replies, pushes };
}

// Every way to cut `bytes` once, plus one byte at a time.
function* splits(bytes: Uint8Array): Generator<Uint8Array[]> {
  yield [bytes];
  for (let i = 1; i < bytes.length; i++) yield [bytes.subarray(0, i), bytes.subarray(i)];
  yield Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

// Parses `wire` under every split and checks each gives `expected`.
function checkEverySplit(wire: string | Uint8Array, expected: RespValue[], bytes = false): void {
  const all = typeof wire === "string" ? bytesOf(wire) : wire;
  for (const pieces of splits(all)) {
    assert.deepEqual(parse(pieces, { bytes }).replies, expected, `split into ${pieces.length}`);
  }
}

test("RESP2 replies parse the same under every split, byte by byte included", () => {
  checkEverySplit(
    "+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n" +
      "*3\r\n:1\r\n*2\r\n+a\r\n$1\r\nb\r\n$-1\r\n",
    ["OK", new RedisError("ERR wrong"), 42, -7, "hello", "", null, null, [], [1, ["a", "b"], null]],
  );
});

test("RESP3 types parse under every split: null, double, boolean, big number, verbatim, map, set, blob error", () => {
  const wire = "_\r\n,3.25\r\n,inf\r\n,-inf\r\n#t\r\n#f\r\n(12345678901234567890\r\n" +
    "=15\r\ntxt:Some string\r\n%2\r\n+a\r\n:1\r\n$1\r\nb\r\n*1\r\n#t\r\n~2\r\n+x\r\n+y\r\n" +
    "!21\r\nSYNTAX invalid syntax\r\n";
  const expected: RespValue[] = [
    null,
    3.25,
    Infinity,
    -Infinity,
    true,
    false,
    12345678901234567890n,
    "Some string",
    new Map<RespValue, RespValue>([["a", 1], ["b", [true]]]),
    new Set(["x", "y"]),
    new RedisError("SYNTAX invalid syntax"),
  ];
  checkEverySplit(wire, expected);
  const nan = parse([bytesOf(",nan\r\n")]).replies[0];
  assert.ok(Number.isNaN(nan));
});

test("push messages go to onPush, not to the reply queue, and attributes are dropped", () => {
  const wire = bytesOf(
    ">3\r\n+invalidate\r\n*1\r\n$3\r\nkey\r\n:1\r\n+OK\r\n|1\r\n+ttl\r\n:3\r\n:99\r\n" +
      "*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n",
  );
  for (const pieces of splits(wire)) {
    const { replies, pushes } = parse(pieces);
    assert.deepEqual(replies, ["OK", 99, [1, 2]]);
    assert.deepEqual(pushes, [["invalidate", ["key"], 1]]);
  }
});

test("bulk strings are binary-safe: CR, LF and every byte value, as bytes or as text", () => {
  const value = Uint8Array.from({ length: 256 }, (_, i) => i);
  const header = bytesOf(`$${value.length}\r\n`);
  const wire = new Uint8Array([...header, ...value, 13, 10, ...bytesOf("$4\r\n\r\n\r\n\r\n")]);
  checkEverySplit(wire, [value, new Uint8Array([13, 10, 13, 10])], true);
  checkEverySplit("$7\r\nhé ✓\r\n", ["hé ✓"]);
});

test("integers beyond 2^53 come back as bigint, smaller ones as number", () => {
  checkEverySplit(":9007199254740991\r\n:9223372036854775807\r\n:-9223372036854775808\r\n", [
    9007199254740991,
    9223372036854775807n,
    -9223372036854775808n,
  ]);
});

test("a large value spread over many chunks arrives whole", () => {
  const value = new Uint8Array(1 << 22);
  for (let i = 0; i < value.length; i++) value[i] = (i * 7) & 0xff;
  const head = bytesOf(`*2\r\n$${value.length}\r\n`);
  const tail = bytesOf("\r\n:1\r\n");
  const wire = new Uint8Array(head.length + value.length + tail.length);
  wire.set(head);
  wire.set(value, head.length);
  wire.set(tail, head.length + value.length);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < wire.length; i += 4093) pieces.push(wire.subarray(i, i + 4093));
  const [reply] = parse(pieces, { bytes: true }).replies as [[Uint8Array, number]];
  assert.equal(reply[0].length, value.length);
  assert.ok(reply[0].every((byte, i) => byte === value[i]), "every byte arrives intact");
  assert.equal(reply[1], 1);
});

test("a bulk string returned as bytes is a copy, not a view of the socket chunk", () => {
  const chunk = bytesOf("$3\r\nabc\r\n");
  const [reply] = parse([chunk], { bytes: true }).replies as [Uint8Array];
  chunk.fill(0);
  assert.deepEqual(reply, bytesOf("abc"));
  assert.equal(Object.getPrototypeOf(reply), Uint8Array.prototype);
});

test("the bytes option is asked per reply", () => {
  const modes = [true, false];
  const replies: RespValue[] = [];
  const parser = new RespParser({ onReply: (r) => replies.push(r), bytes: () => modes.shift()! });
  parser.push(bytesOf("$2\r\nab\r\n$2\r\ncd\r\n"));
  assert.deepEqual(replies, [bytesOf("ab"), "cd"]);
});

test("a command encodes as an array of bulk strings the parser reads back", () => {
  const binary = new Uint8Array([0, 13, 10, 255]);
  const encoded = encodeCommand(["SET", "clé 😀", binary, 42, -1.5, "\ud800"]);
  assert.equal(
    new TextDecoder().decode(encodeCommand(["SET", "k", 7])),
    "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n7\r\n",
  );
  checkEverySplit(encoded, [[
    bytesOf("SET"),
    bytesOf("clé 😀"),
    binary,
    bytesOf("42"),
    bytesOf("-1.5"),
    bytesOf("\ufffd"),
  ]], true);
});

test("encodeCommand refuses bad arguments with TypeError and RangeError", () => {
  assert.throws(() => encodeCommand([]), TypeError);
  assert.throws(() => encodeCommand(["SET", null as unknown as string]), {
    name: "TypeError",
    message:
      "Cannot encode Redis command: argument 1 must be a string, Uint8Array or number, received object",
  });
  assert.throws(() => encodeCommand(["INCRBY", "k", NaN]), {
    name: "RangeError",
    message: "Cannot encode Redis command: argument 2 must be a finite number, received NaN",
  });
});

test("malformed input throws, and keeps throwing", () => {
  const parser = new RespParser({ onReply: () => {} });
  assert.throws(
    () => parser.push(bytesOf("?what\r\n")),
    /Cannot parse Redis reply: unknown type byte 0x3f/,
  );
  assert.throws(() => parser.push(bytesOf("+OK\r\n")), /unknown type byte/);
  const missingCrlf = new RespParser({ onReply: () => {} });
  assert.throws(() => missingCrlf.push(bytesOf("$2\r\nabcd")), /does not end with CRLF/);
  const badLength = new RespParser({ onReply: () => {}, maxBulkBytes: 10 });
  assert.throws(() => badLength.push(bytesOf("$11\r\n")), /out of range/);
});

test("RedisError takes its code from the first word of the message", () => {
  assert.equal(new RedisError("WRONGPASS invalid username-password pair").code, "WRONGPASS");
  assert.equal(new RedisError("NOGROUP No such key").code, "NOGROUP");
  assert.equal(new RedisError("something lower case").code, "ERR");
  assert.equal(new RedisError("BUSYGROUP Consumer Group name already exists").name, "RedisError");
});

test("CommandBuffer queues commands back to back and drops a prefix by position", () => {
  const buffer = new CommandBuffer();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const first = buffer.append(["SET", "a", "1"]);
  const second = buffer.append(["SET", "b", "2"]);
  const third = buffer.append(["GET", "a"]);
  buffer.discardThrough(first);
  assert.throws(() => buffer.append(["SET", {} as unknown as string]), TypeError);
  buffer.discardThrough(second);
  assert.equal(
    decode(buffer.take()),
    "*2\r\n$3\r\nGET\r\n$1\r\na\r\n",
    "a failed append writes nothing",
  );
  const big = new Uint8Array(100_000).fill(7);
  const end = buffer.append(["SET", "big", big]);
  assert.equal(buffer.length, end - third);
  const taken = buffer.take();
  assert.deepEqual(taken.subarray(taken.length - 100_002, taken.length - 2), big);
  buffer.append(["PING"]);
  buffer.clear();
  assert.equal(buffer.length, 0);
  assert.equal(decode(buffer.take()), "");
});
