// A real nginx (Debian's package) for the transport conformance suite: started from a generated
// config in a temporary directory on 127.0.0.1 ports picked here, with a CA and a server
// certificate made by openssl. Missing tools skip the suite with a reason, except under CI=true,
// where .ci/run installs nginx and the suite must run.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export interface Nginx {
  http: string;
  https: string;
  httpsPort: number;
  /** The generated CA (PEM) that signed the server certificate (names localhost only, so that 127.0.0.1 is a name it does not cover). */
  ca: string;
  dir: string;
  stop(): Promise<void>;
}

/** Why the suite cannot run here, or undefined when it can. */
export function nginxMissing(): string | undefined {
  if (nginxPath() === undefined) return "nginx is not installed (apt-get install -y nginx-light)";
  if (Bun.which("openssl") === null) return "openssl is not installed";
  return undefined;
}

function nginxPath(): string | undefined {
  return Bun.which("nginx") ?? ["/usr/sbin/nginx", "/usr/local/sbin/nginx"].find((p) => existsSync(p));
}

/** A free port on 127.0.0.1 (bound and released; nginx takes it right after). */
function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

function run(cmd: string[], cwd: string): void {
  const result = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${cmd[0]} failed: ${result.stderr.toString()}`);
}

/** A CA (ca.pem) and a certificate for localhost that it signed (server.pem, server.key), in `dir`. */
export function makeCertificates(dir: string): void {
  const ssl = ["openssl"];
  run([...ssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Butter Test CA"], dir);
  run([...ssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost\n");
  run([...ssl, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"], dir);
}

/**
 * Starts nginx serving `files` (name → content) from its root, with:
 * `/` static files (gzip off), `/ssi/*.shtml` through SSI (so the answer is chunked), `/small`
 * a `return 200`, `/conn` the connection number as the body, `/limited/` a location whose
 * connections nginx closes after 3 requests, and the same on https with the generated certificate.
 */
export async function startNginx(files: Record<string, string | Uint8Array>): Promise<Nginx> {
  const binary = nginxPath()!;
  const dir = mkdtempSync(join(tmpdir(), "butter-nginx-"));
  const root = join(dir, "root");
  Bun.spawnSync(["mkdir", "-p", join(root, "ssi"), join(root, "limited"), join(dir, "logs")]);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
  makeCertificates(dir);
  const httpPort = freePort();
  const httpsPort = freePort();
  const server = (listen: string) => `
    server {
      listen ${listen};
      root ${root};
      keepalive_timeout 30s;
      keepalive_requests 1000;
      location / { }
      location /ssi/ { ssi on; ssi_types *; }
      location = /small { default_type text/plain; return 200 "small answer"; }
      location = /conn { default_type text/plain; return 200 "$connection"; }
      location /limited/ { keepalive_requests 3; default_type text/plain; return 200 "$connection"; }
    }`;
  writeFileSync(join(dir, "nginx.conf"), `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  gzip off;
  sendfile on;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ssl_certificate ${dir}/server.pem;
  ssl_certificate_key ${dir}/server.key;
  ${server(`127.0.0.1:${httpPort}`)}
  ${server(`127.0.0.1:${httpsPort} ssl`)}
}
`);
  const proc: Subprocess = Bun.spawn([binary, "-p", dir, "-e", join(dir, "logs/error.log"), "-c", join(dir, "nginx.conf")], { stdout: "ignore", stderr: "pipe" });
  await waitForPort(httpPort, proc, dir);
  await waitForPort(httpsPort, proc, dir);
  return {
    http: `http://127.0.0.1:${httpPort}`,
    https: `https://localhost:${httpsPort}`,
    httpsPort,
    ca: await Bun.file(join(dir, "ca.pem")).text(),
    dir,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, proc: Subprocess, dir: string): Promise<void> {
  const until = performance.now() + 10_000;
  for (;;) {
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      return;
    } catch {
      if (proc.exitCode !== null || performance.now() > until) {
        const log = existsSync(join(dir, "logs/error.log")) ? await Bun.file(join(dir, "logs/error.log")).text() : "";
        throw new Error(`nginx did not start on ${port}: ${log.slice(-500)}`);
      }
      await Bun.sleep(20);
    }
  }
}
