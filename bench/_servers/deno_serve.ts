// Copyright 2026 the socketkit authors. MIT license.
// Bench peer: hello world on Deno.serve. Args: PORT.

Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.args[0] ?? 8000), onListen() {} },
  () => new Response("Hello, World!"),
);
