// Copyright 2026 the socketkit authors. MIT license.
// Helpers shared by the codec tests.

import {
  type DecoderEvent,
  HTTPParseError,
  type HTTPRequest,
  type HTTPResponse,
  type RequestDecoder,
  type ResponseDecoder,
} from "../../http/mod.ts";

/** Either decoder. */
export type Decoder = RequestDecoder | ResponseDecoder;

/** Bytes as a string of code units 0-255 (splits never break a character). */
export function bin(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/**
 * Pushes `chunks` into `decoder` (then `finish()` unless told not to) and
 * returns the events in a comparable form: adjacent data events merged, and
 * an HTTPParseError as a last `["error", status, message]` entry.
 */
export function run(
  decoder: Decoder,
  chunks: Uint8Array[],
  finish = true,
): unknown[] {
  const out: unknown[] = [];
  const pull = () => {
    for (let guard = 0; guard < 100_000; guard++) {
      const event = decoder.next() as
        | DecoderEvent<HTTPRequest | HTTPResponse>
        | null;
      if (event === null) return;
      if (event.type === "head") {
        const m = event.message;
        out.push(
          "method" in m
            ? ["head", m.method, m.target, m.version, [...m.headers]]
            : ["head", m.status, m.reason, m.version, [...m.headers]],
        );
      } else if (event.type === "data") {
        const last = out.at(-1);
        if (Array.isArray(last) && last[0] === "data") {
          last[1] += bin(event.data);
        } else {
          out.push(["data", bin(event.data)]);
        }
      } else {
        out.push(["end", event.trailers ? [...event.trailers] : null]);
      }
    }
    throw new Error("Decoder did not stop yielding events");
  };
  try {
    for (const chunk of chunks) {
      decoder.push(chunk);
      pull();
    }
    if (finish) {
      decoder.finish();
      pull();
    }
  } catch (error) {
    if (!(error instanceof HTTPParseError)) throw error;
    out.push(["error", error.status, error.message]);
  }
  return out;
}
