// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import {
  formatSetCookie,
  getCookies,
  HTTPHeaders,
  setCookie,
} from "../../http/mod.ts";

Deno.test("formatSetCookie() writes every attribute in RFC 6265 form", () => {
  assert.equal(
    formatSetCookie({
      name: "id",
      value: "a3fWa",
      expires: new Date(Date.UTC(2015, 9, 21, 7, 28)),
      maxAge: 2592000,
      domain: "example.com",
      path: "/docs",
      secure: true,
      httpOnly: true,
      sameSite: "Lax",
      partitioned: true,
    }),
    "id=a3fWa; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Max-Age=2592000; Domain=example.com; " +
      "Path=/docs; Secure; HttpOnly; SameSite=Lax; Partitioned",
  );
});

Deno.test("formatSetCookie() accepts Expires in milliseconds and a quoted value", () => {
  assert.equal(
    formatSetCookie({ name: "a", value: '"b"', expires: 0 }),
    'a="b"; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
  );
  assert.equal(formatSetCookie({ name: "a", value: "" }), "a=");
});

Deno.test("formatSetCookie() throws TypeError for invalid cookies", async (t) => {
  const cases: [string, Parameters<typeof formatSetCookie>[0]][] = [
    ["a name that is not a token", { name: "a b", value: "1" }],
    ["an empty name", { name: "", value: "1" }],
    ["a semicolon in the value", { name: "a", value: "1;b=2" }],
    ["a space in the value", { name: "a", value: "1 2" }],
    ["CRLF in the value", { name: "a", value: "1\r\nX: y" }],
    ["a negative Max-Age", { name: "a", value: "1", maxAge: -1 }],
    ["a fractional Max-Age", { name: "a", value: "1", maxAge: 1.5 }],
    ["an invalid Expires", { name: "a", value: "1", expires: NaN }],
    ["a semicolon in Path", { name: "a", value: "1", path: "/;x" }],
    ["a control character in Domain", { name: "a", value: "1", domain: "a\n" }],
    ["SameSite=None without Secure", {
      name: "a",
      value: "1",
      sameSite: "None",
    }],
    ["Partitioned without Secure", {
      name: "a",
      value: "1",
      partitioned: true,
    }],
  ];
  for (const [name, cookie] of cases) {
    await t.step(
      name,
      () => assert.throws(() => formatSetCookie(cookie), TypeError),
    );
  }
});

Deno.test("getCookies() reads Cookie lines from HTTPHeaders and Headers", () => {
  const h = new HTTPHeaders([["Cookie", 'a=1; b="two"'], [
    "cookie",
    "c=3;;d; =e; a=4",
  ]]);
  assert.deepEqual(getCookies(h), { a: "4", b: "two", c: "3" });
  assert.deepEqual(getCookies(new Headers({ Cookie: "x=y=z" })), { x: "y=z" });
  assert.deepEqual(getCookies(new HTTPHeaders()), {});
});

Deno.test("setCookie() appends one Set-Cookie line per cookie", () => {
  const h = new HTTPHeaders();
  setCookie(h, { name: "a", value: "1", path: "/" });
  setCookie(h, { name: "b", value: "2", httpOnly: true });
  assert.deepEqual(h.getAll("set-cookie"), ["a=1; Path=/", "b=2; HttpOnly"]);
  const web = new Headers();
  setCookie(web, { name: "c", value: "3", sameSite: "Strict" });
  assert.deepEqual(web.getSetCookie(), ["c=3; SameSite=Strict"]);
});
