import assert from "node:assert/strict";
import { type Addr, formatAddr, parseAddr } from "../address.ts";

Deno.test("parseAddr() parses host:port as a tcp Deno.NetAddr", () => {
  assert.deepEqual(parseAddr("127.0.0.1:8080"), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 8080,
  });
  assert.deepEqual(parseAddr("localhost:0"), {
    transport: "tcp",
    hostname: "localhost",
    port: 0,
  });
  assert.deepEqual(parseAddr("example.com:65535"), {
    transport: "tcp",
    hostname: "example.com",
    port: 65535,
  });
});

Deno.test("parseAddr() uses the given transport for host:port", () => {
  assert.deepEqual(parseAddr("127.0.0.1:53", "udp"), {
    transport: "udp",
    hostname: "127.0.0.1",
    port: 53,
  });
});

Deno.test("parseAddr() strips the brackets of an IPv6 address", async (t) => {
  await t.step("loopback", () => {
    assert.deepEqual(parseAddr("[::1]:80"), {
      transport: "tcp",
      hostname: "::1",
      port: 80,
    });
  });
  await t.step("with a zone", () => {
    assert.deepEqual(parseAddr("[fe80::1%eth0]:443", "udp"), {
      transport: "udp",
      hostname: "fe80::1%eth0",
      port: 443,
    });
  });
  await t.step("unspecified", () => {
    assert.deepEqual(parseAddr("[::]:0"), {
      transport: "tcp",
      hostname: "::",
      port: 0,
    });
  });
});

Deno.test("parseAddr() reads :port as hostname 0.0.0.0", () => {
  assert.deepEqual(parseAddr(":8080"), {
    transport: "tcp",
    hostname: "0.0.0.0",
    port: 8080,
  });
});

Deno.test("parseAddr() parses unix:/path as a Deno.UnixAddr", () => {
  assert.deepEqual(parseAddr("unix:/tmp/x.sock"), {
    transport: "unix",
    path: "/tmp/x.sock",
  });
  assert.deepEqual(parseAddr("unix:relative.sock", "udp"), {
    transport: "unix",
    path: "relative.sock",
  });
  assert.deepEqual(parseAddr("unixpacket:/tmp/p.sock"), {
    transport: "unixpacket",
    path: "/tmp/p.sock",
  });
});

Deno.test("parseAddr() accepts leading zeros in the port", () => {
  assert.equal((parseAddr("127.0.0.1:0080") as Deno.NetAddr).port, 80);
});

Deno.test("parseAddr() throws TypeError naming the input on bad input", async (t) => {
  const bad: [string, RegExp][] = [
    ["", /empty address/],
    ["host", /missing port/],
    ["host:", /missing port/],
    ["host:99999", /0 to 65535/],
    ["host:65536", /0 to 65535/],
    ["host:-1", /decimal digits/],
    ["host:+1", /decimal digits/],
    ["host:1.5", /decimal digits/],
    ["host: 80", /decimal digits/],
    ["host:0x50", /decimal digits/],
    ["host:http", /decimal digits/],
    ["[::1", /missing '\]'/],
    ["[::1]", /missing port/],
    ["[::1]80", /after '\]'/],
    ["[::1]:", /missing port/],
    ["[localhost]:80", /IPv6/],
    ["::1:80", /too many colons/],
    ["::1", /too many colons/],
    ["a b:80", /invalid hostname/],
    ["ho/st:80", /invalid hostname/],
    ["unix:", /empty unix socket path/],
    ["unixpacket:", /empty unix socket path/],
  ];
  for (const [input, reason] of bad) {
    await t.step(JSON.stringify(input), () => {
      assert.throws(() => parseAddr(input), (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.ok(
          e.message.includes(JSON.stringify(input)),
          `message names the input: ${e.message}`,
        );
        assert.match(e.message, reason);
        return true;
      });
    });
  }
});

Deno.test("parseAddr() throws TypeError on a non-string or a bad transport", () => {
  assert.throws(() => parseAddr(8080 as unknown as string), TypeError);
  assert.throws(
    () => parseAddr("127.0.0.1:80", "unix" as "tcp"),
    /Invalid transport "unix" for address "127.0.0.1:80"/,
  );
});

Deno.test("formatAddr() puts an IPv6 hostname in brackets", () => {
  assert.equal(
    formatAddr({ transport: "tcp", hostname: "::1", port: 80 }),
    "[::1]:80",
  );
  assert.equal(
    formatAddr({ transport: "udp", hostname: "fe80::1%eth0", port: 5 }),
    "[fe80::1%eth0]:5",
  );
  assert.equal(
    formatAddr({ transport: "tcp", hostname: "127.0.0.1", port: 0 }),
    "127.0.0.1:0",
  );
});

Deno.test("formatAddr() formats unix, unixpacket and vsock addresses", () => {
  assert.equal(
    formatAddr({ transport: "unix", path: "/tmp/x.sock" }),
    "unix:/tmp/x.sock",
  );
  assert.equal(
    formatAddr({ transport: "unixpacket", path: "/tmp/p.sock" }),
    "unixpacket:/tmp/p.sock",
  );
  assert.equal(
    formatAddr({ transport: "vsock", cid: 3, port: 1024 }),
    "vsock:3:1024",
  );
});

Deno.test("formatAddr() throws TypeError on an unknown transport", () => {
  assert.throws(
    () => formatAddr({ transport: "sctp" } as unknown as Deno.Addr),
    /Cannot format address with transport "sctp"/,
  );
});

Deno.test("formatAddr() and parseAddr() round trip", async (t) => {
  const texts = [
    "127.0.0.1:8080",
    "localhost:0",
    "example.com:65535",
    "[::1]:80",
    "[::]:0",
    "[fe80::1%eth0]:443",
    "unix:/tmp/x.sock",
    "unixpacket:/tmp/p.sock",
    "unix:/tmp/with:colon.sock",
  ];
  for (const text of texts) {
    await t.step(text, () => {
      assert.equal(formatAddr(parseAddr(text)), text);
    });
  }
  const addrs: Addr[] = [
    { transport: "tcp", hostname: "10.0.0.1", port: 1 },
    { transport: "udp", hostname: "::ffff:127.0.0.1", port: 53 },
    { transport: "unix", path: "/run/a b.sock" },
  ];
  for (const addr of addrs) {
    await t.step(JSON.stringify(addr), () => {
      const transport = addr.transport === "udp" ? "udp" : "tcp";
      assert.deepEqual(parseAddr(formatAddr(addr), transport), addr);
    });
  }
});

Deno.test("formatAddr() formats the address of a real listener", () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const text = formatAddr(listener.addr);
  assert.match(text, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(parseAddr(text), { ...listener.addr });
});
