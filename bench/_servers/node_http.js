// Copyright 2026 the socketkit authors. MIT license.
// Bench peer: hello world on Node's http module. Args: PORT.
// CommonJS, so plain `node node_http.js PORT` runs it without a package.json.

const { createServer } = require("node:http");

createServer((_req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
  res.end("Hello, World!");
}).listen(Number(process.argv[2] ?? 8000), "127.0.0.1");
