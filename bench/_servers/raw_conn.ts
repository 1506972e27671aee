// Copyright 2026 the socketkit authors. MIT license.
// Bench floor: the least a JavaScript HTTP server on Deno.Conn can do. It
// parses nothing: it counts "\r\n\r\n" in what it reads (bodiless GETs, as
// wrk sends) and writes one canned response per request. Not a real server;
// it shows what the runtime's socket ops cost before any HTTP work. Args: PORT.

const response = new TextEncoder().encode(
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 13\r\n\r\nHello, World!",
);

async function handle(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  let carry = 0; // bytes of a "\r\n\r\n" matched at the end of the last read
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      let requests = 0;
      for (let i = 0; i < n; i++) {
        const b = buf[i];
        if (b === (carry % 2 === 0 ? 13 : 10)) {
          if (++carry === 4) {
            requests++;
            carry = 0;
          }
        } else carry = b === 13 ? 1 : 0;
      }
      if (requests === 1) await conn.write(response);
      else if (requests > 1) {
        const out = new Uint8Array(response.length * requests);
        for (let r = 0; r < requests; r++) {
          out.set(response, r * response.length);
        }
        let written = 0;
        while (written < out.length) {
          written += await conn.write(out.subarray(written));
        }
      }
    }
  } catch {
    // Peer went away.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

const listener = Deno.listen({
  hostname: "127.0.0.1",
  port: Number(Deno.args[0] ?? 8000),
});
for await (const conn of listener) {
  conn.setNoDelay(true);
  handle(conn);
}
