// Copyright 2026 the socketkit authors. MIT license.
// Bench peer: hello world on socketkit's serve(). Args: PORT.

import { HTTPResponse } from "../../http/message.ts";
import { serve } from "../../http/server.ts";

serve(
  { hostname: "127.0.0.1", port: Number(Deno.args[0] ?? 8000) },
  () => HTTPResponse.text("Hello, World!"),
);
