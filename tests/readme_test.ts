// Copyright the socketkit authors. MIT license.
// The README's runnable snippets (```ts blocks not marked `ignore`) run as
// they are, so the tour cannot drift from the API.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const readme = await Deno.readTextFile(new URL("README.md", root));
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

Deno.test("README has runnable snippets", () => {
  assert.ok(snippets.length >= 3, `found ${snippets.length}`);
});

for (const [i, code] of snippets.entries()) {
  const title = code.split("\n").find((line) => line.includes("import")) ??
    code.split("\n")[0];
  Deno.test(`README snippet ${i + 1} runs: ${title}`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const file = `${dir}/snippet.ts`;
      await Deno.writeTextFile(file, code);
      const { code: status, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--config",
          new URL("deno.json", root).pathname,
          // The flags the README promises are enough.
          "--allow-net",
          "--unstable-net",
          file,
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(status, 0, new TextDecoder().decode(stderr));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
