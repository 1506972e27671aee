// Copyright 2026 the socketkit authors. MIT license.
// Private helper of the client bench and tests: runs nginx (the Debian
// package) in the foreground on a free loopback port with a config written
// into a temporary directory.

/** A running nginx; disposing kills it and removes its directory. */
export interface Nginx extends AsyncDisposable {
  /** The loopback port it listens on. */
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The temporary directory holding the config, logs and static files. */
  dir: string;
  /** Kills nginx, waits for it to exit and removes `dir`. */
  stop(): Promise<void>;
}

/** Options for {@linkcode startNginx}. */
export interface NginxOptions {
  /** Extra `location` blocks for the server; `{dir}` is replaced by the temp dir. */
  locations?: string;
  /** Files to create under `<dir>/www`, by relative path. */
  files?: Record<string, string>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function findNginx(): Promise<string> {
  for (
    const path of ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
  ) {
    try {
      await Deno.stat(path);
      return path;
    } catch {
      // Try the next one.
    }
  }
  throw new Deno.errors.NotFound(
    "nginx is not installed: run `apt-get install nginx` (Debian package)",
  );
}

async function accepts(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts nginx with `return 200 "hello"` at `/` (keep-alive, 1,000,000
 * requests per connection) plus `options.locations`, and waits until it
 * accepts connections (up to 5 s).
 */
export async function startNginx(options: NginxOptions = {}): Promise<Nginx> {
  const nginx = await findNginx();
  const dir = await Deno.makeTempDir({ prefix: "socketkit_nginx_" });
  await Deno.mkdir(`${dir}/www`);
  for (const [path, text] of Object.entries(options.files ?? {})) {
    await Deno.writeTextFile(`${dir}/www/${path}`, text);
  }
  const port = freePort();
  const locations = (options.locations ?? "").replaceAll("{dir}", dir);
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  default_type text/plain;
  server {
    listen 127.0.0.1:${port};
    location = / { return 200 "hello"; }
${locations}
  }
}
`;
  await Deno.writeTextFile(`${dir}/nginx.conf`, conf);
  const child = new Deno.Command(nginx, {
    args: ["-c", `${dir}/nginx.conf`, "-p", dir, "-e", `${dir}/error.log`],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let errors = "";
  const drained = (async () => {
    for (;;) {
      const { value, done } = await stderr.read();
      if (done) return;
      errors += value;
    }
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
    }
    await status;
    await drained;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const until = Date.now() + 5000;
  while (!await accepts(port)) {
    if (exited || Date.now() > until) {
      await stop();
      throw new Error(
        `nginx did not start on 127.0.0.1:${port}: ${errors.trim()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    dir,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
