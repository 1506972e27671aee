// Copyright 2026 the socketkit authors. MIT license.

import assert from "node:assert/strict";
import { DateCache } from "../../http/_server_encode.ts";

Deno.test("DateCache.line() gives the current second's Date field line until close(), with no timer left after it", () => {
  const cache = new DateCache();
  const before = Date.now();
  const line = cache.line();
  const text = new TextDecoder().decode(line);
  assert.match(
    text,
    /^Date: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n$/,
  );
  const stated = Date.parse(text.slice(6, -2));
  assert(stated <= Date.now() && stated > before - 1000);
  assert.equal(cache.line(), line); // cached within the second
  cache.close();
  // After close() the line is made afresh each time, with no timer.
  assert.match(new TextDecoder().decode(cache.line()), /^Date: /);
});

Deno.test("DateCache.line() makes a new line once the second is over", async () => {
  const cache = new DateCache();
  try {
    const first = new TextDecoder().decode(cache.line());
    let second = first;
    // Bounded: 30 checks 100 ms apart, a busy machine's timers run late.
    for (let i = 0; i < 30 && second === first; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      second = new TextDecoder().decode(cache.line());
    }
    assert.notEqual(second, first);
  } finally {
    cache.close();
  }
});
