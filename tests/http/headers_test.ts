// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import { HTTPHeaders } from "../../http/mod.ts";

Deno.test("HTTPHeaders() builds from a record, pairs, Headers and HTTPHeaders", () => {
  assert.deepEqual([...new HTTPHeaders({ A: "1", b: "2" })], [["A", "1"], [
    "b",
    "2",
  ]]);
  assert.deepEqual([...new HTTPHeaders([["A", "1"], ["A", "2"]])], [
    ["A", "1"],
    ["A", "2"],
  ]);
  const web = new Headers([["X-A", "1"], ["Set-Cookie", "a=1"], [
    "Set-Cookie",
    "b=2",
  ]]);
  assert.deepEqual([...new HTTPHeaders(web)], [["set-cookie", "a=1"], [
    "set-cookie",
    "b=2",
  ], ["x-a", "1"]]);
  const original = new HTTPHeaders({ A: "1" });
  const copy = new HTTPHeaders(original);
  copy.append("B", "2");
  assert.equal(original.size, 1);
  assert.equal(copy.size, 2);
  assert.equal(new HTTPHeaders().size, 0);
});

Deno.test("HTTPHeaders.get() is case-insensitive and joins lines with comma and space", () => {
  const h = new HTTPHeaders([["Accept", "a"], ["X", "1"], ["ACCEPT", "b"]]);
  assert.equal(h.get("accept"), "a, b");
  assert.equal(h.get("x"), "1");
  assert.equal(h.get("missing"), null);
});

Deno.test("HTTPHeaders.getAll() keeps Set-Cookie lines apart", () => {
  const h = new HTTPHeaders([[
    "Set-Cookie",
    "a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
  ], ["set-cookie", "b=2"]]);
  assert.deepEqual(h.getAll("SET-COOKIE"), [
    "a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
    "b=2",
  ]);
  assert.deepEqual(h.getAll("none"), []);
});

Deno.test("HTTPHeaders.set() replaces all lines of a name at the first one's position", () => {
  const h = new HTTPHeaders([["A", "1"], ["B", "2"], ["a", "3"]]);
  h.set("a", "9");
  assert.deepEqual([...h], [["a", "9"], ["B", "2"]]);
  h.set("C", "3");
  assert.deepEqual([...h], [["a", "9"], ["B", "2"], ["C", "3"]]);
});

Deno.test("HTTPHeaders.append(), delete() and has() work on names in any case", () => {
  const h = new HTTPHeaders();
  h.append("X-Y", "1");
  h.append("x-y", "2");
  assert(h.has("X-y"));
  assert.equal(h.get("x-Y"), "1, 2");
  h.delete("X-Y");
  assert(!h.has("x-y"));
  assert.equal(h.size, 0);
});

Deno.test("HTTPHeaders stays consistent after lookups and changes in any order", () => {
  const h = new HTTPHeaders({ A: "1" });
  assert.equal(h.get("a"), "1");
  h.append("B", "2");
  assert.equal(h.get("b"), "2");
  h.delete("a");
  assert.equal(h.get("a"), null);
  assert.equal(h.get("b"), "2");
  h.set("A", "3");
  assert.deepEqual([...h], [["B", "2"], ["A", "3"]]);
});

Deno.test("HTTPHeaders trims whitespace around values", () => {
  const h = new HTTPHeaders({ A: " \t1 2\t " });
  assert.equal(h.get("a"), "1 2");
});

Deno.test("HTTPHeaders rejects names that are not tokens with TypeError", async (t) => {
  for (const name of ["", "a b", "a:b", "a\r\n", "é", "a(b)", "a\0"]) {
    await t.step(JSON.stringify(name), () => {
      assert.throws(() => new HTTPHeaders().append(name, "v"), TypeError);
      assert.throws(() => new HTTPHeaders().set(name, "v"), TypeError);
      assert.throws(() => new HTTPHeaders({ [name]: "v" }), TypeError);
    });
  }
});

Deno.test("HTTPHeaders rejects values with CR, LF, NUL or other controls with TypeError", async (t) => {
  for (
    const value of [
      "a\rb",
      "a\nb",
      "a\r\nX: y",
      "a\0",
      "a\x01",
      "a\x7f",
      "\u20ac",
    ]
  ) {
    await t.step(JSON.stringify(value), () => {
      assert.throws(() => new HTTPHeaders().append("X", value), {
        name: "TypeError",
        message: /^Invalid field-value for X/,
      });
      assert.throws(() => new HTTPHeaders().set("X", value), TypeError);
    });
  }
});

Deno.test("HTTPHeaders accepts obs-text (U+0080 to U+00FF) in values", () => {
  assert.equal(new HTTPHeaders({ X: "caf\u00e9" }).get("x"), "caf\u00e9");
});

Deno.test("HTTPHeaders.toHeaders() and fromHeaders() convert to and from web Headers", () => {
  const h = new HTTPHeaders([["Content-Type", "text/plain"], [
    "Set-Cookie",
    "a=1",
  ], ["Set-Cookie", "b=2"]]);
  const web = h.toHeaders();
  assert.equal(web.get("content-type"), "text/plain");
  assert.deepEqual(web.getSetCookie(), ["a=1", "b=2"]);
  const back = HTTPHeaders.fromHeaders(web);
  assert.deepEqual(back.getAll("set-cookie"), ["a=1", "b=2"]);
  assert.equal(back.get("Content-Type"), "text/plain");
});
