// Copyright 2026 the socketkit authors. MIT license.
// Bench floor: the least a JavaScript HTTP server on Deno.Conn can do. It
// parses nothing: it counts "\r\n\r\n" in what it reads (bodiless GETs, as
// wrk sends) and writes one canned response per request. Not a real server;
// it shows what the runtime's socket ops cost before any HTTP work.
// Args: [--fair] PORT. With --fair, reads take turns as serve()'s do (see
// BURST_CONNECTIONS in http/server.ts: from 128 open connections on, after
// as many reads as connections every read waits for a timer), so the floor
// includes what that fairness costs.

const fair = Deno.args[0] === "--fair";
const port = Number(Deno.args[fair ? 1 : 0] ?? 8000);
const BURST_CONNECTIONS = 128;

const response = new TextEncoder().encode(
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 13\r\n\r\nHello, World!",
);

let open = 0;
let burst = 0;
let turn: Promise<void> | null = null;

/** Resolves on the next turn of the event loop, after pending I/O. */
function nextTurn(): Promise<void> {
  turn ??= new Promise((resolve) =>
    setTimeout(() => {
      turn = null;
      burst = 0;
      resolve();
    }, 0)
  );
  return turn;
}

async function handle(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  let carry = 0; // bytes of a "\r\n\r\n" matched at the end of the last read
  open++;
  try {
    while (true) {
      if (fair && open >= BURST_CONNECTIONS && ++burst >= open) {
        await nextTurn();
      }
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
    open--;
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

const listener = Deno.listen({ hostname: "127.0.0.1", port });
for await (const conn of listener) {
  conn.setNoDelay(true);
  handle(conn);
}
