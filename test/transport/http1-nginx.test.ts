// The HTTP/1.1 client against a real server: Debian's nginx, over plain TCP and TLS (a certificate
// from a CA generated for the run). Static files of several sizes, SSI answers (chunked), HEAD,
// request bodies, keep-alive reuse (nginx's own $connection number), nginx closing connections
// after keepalive_requests, and certificate verification.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Http1Client } from "../../src/transport/http1-client.ts";
import { Http1ConnectionError } from "../../src/transport/http1-errors.ts";
import { nginxMissing, startNginx, type Nginx } from "./support/nginx.ts";

const missing = nginxMissing();
if (missing !== undefined && process.env.CI === "true") throw new Error(`CI=true needs nginx for the transport suite: ${missing}`);
if (missing !== undefined) console.warn(`SKIPPED http1 client against nginx: ${missing}`);

const sizes = { "empty.txt": 0, "one.txt": 1, "small.json": 700, "medium.bin": 100 * 1024, "large.bin": 5 * 1024 * 1024 };
const files: Record<string, Uint8Array> = {};
for (const [name, size] of Object.entries(sizes)) files[name] = new Uint8Array(size).map((_, i) => (i * 31 + size) % 256);
const ssiText = `before <!--# echo var="connection" --> middle <!--# include virtual="/medium.bin" --> after`;

const sha = (bytes: Uint8Array | ArrayBuffer) => createHash("sha256").update(new Uint8Array(bytes)).digest("hex");

describe.skipIf(missing !== undefined)("http1 client against nginx", () => {
  let nginx: Nginx;
  let client: Http1Client;
  let tlsClient: Http1Client;

  beforeAll(async () => {
    nginx = await startNginx({ ...files, "ssi/page.shtml": ssiText });
    client = new Http1Client();
    tlsClient = new Http1Client({ ca: nginx.ca });
  });
  afterAll(async () => {
    client?.close();
    tlsClient?.close();
    await nginx?.stop();
  });

  for (const [name, size] of Object.entries(sizes)) {
    test(`static ${name} (${size} bytes) matches byte for byte, over http and https`, async () => {
      for (const [c, base] of [[client, nginx.http], [tlsClient, nginx.https]] as const) {
        const r = await c.fetch(`${base}/${name}`);
        expect(r.status).toBe(200);
        expect(r.headers.get("content-length")).toBe(String(size));
        expect(sha(await r.arrayBuffer())).toBe(sha(files[name]!));
      }
    });
  }

  test("an SSI page comes chunked and reads whole; the connection stays in use", async () => {
    const r = await client.fetch(`${nginx.http}/ssi/page.shtml`);
    expect(r.headers.get("transfer-encoding")).toBe("chunked");
    expect(r.headers.get("content-length")).toBeNull();
    const body = new Uint8Array(await r.arrayBuffer());
    const text = Buffer.from(body).toString("latin1");
    const connection = /^before (\d+) middle /.exec(text)?.[1];
    expect(connection).toBeDefined();
    const medium = files["medium.bin"]!;
    const start = `before ${connection} middle `.length;
    expect(sha(body.subarray(start, start + medium.length))).toBe(sha(medium));
    expect(text.endsWith(" after")).toBe(true);
    // The next request rides the same nginx connection.
    expect(await (await client.fetch(`${nginx.http}/conn`)).text()).toBe(connection!);
  });

  test("keep-alive: 30 sequential requests use one nginx connection, over http and https", async () => {
    for (const [c, base] of [[new Http1Client(), nginx.http], [new Http1Client({ ca: nginx.ca }), nginx.https]] as const) {
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add(await (await c.fetch(`${base}/conn`)).text());
      expect(seen.size).toBe(1);
      c.close();
    }
  });

  test("concurrent requests on the pool, then a second wave on the same connections", async () => {
    const c = new Http1Client();
    const wave = () => Promise.all(Array.from({ length: 40 }, () => c.fetch(`${nginx.http}/conn`).then((r) => r.text())));
    const first = new Set(await wave());
    const second = new Set(await wave());
    for (const id of second) expect(first.has(id)).toBe(true);
    c.close();
  });

  test("nginx closing after keepalive_requests (Connection: close) is followed transparently", async () => {
    const c = new Http1Client();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push(await (await c.fetch(`${nginx.http}/limited/x`)).text());
    // Three requests per connection, then a new one.
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).toBe(ids[2]!);
    expect(ids[3]).not.toBe(ids[2]!);
    c.close();
  });

  test("HEAD has headers and no body; 404 reads its page; the connection is kept", async () => {
    const head = await client.fetch(`${nginx.http}/large.bin`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(sizes["large.bin"]));
    expect(await head.text()).toBe("");
    const missingPage = await client.fetch(`${nginx.http}/nope`);
    expect(missingPage.status).toBe(404);
    expect(await missingPage.text()).toContain("404");
    const before = await (await client.fetch(`${nginx.http}/conn`)).text();
    await (await client.fetch(`${nginx.http}/large.bin`, { method: "HEAD" })).text();
    expect(await (await client.fetch(`${nginx.http}/conn`)).text()).toBe(before);
  });

  test("request bodies (string, bytes, a chunked stream) are read by nginx and the connection is reused", async () => {
    const c = new Http1Client();
    const ids = new Set<string>();
    const stream = () => new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 20; i++) ctl.enqueue(new TextEncoder().encode(`part ${i};`));
        ctl.close();
      },
    });
    for (const body of ["a string body ✓", new Uint8Array(200_000).fill(7), stream()]) {
      const r = await c.fetch(`${nginx.http}/conn`, { method: "POST", body, headers: { "content-type": "application/octet-stream" } });
      expect(r.status).toBe(200);
      ids.add(await r.text());
    }
    expect(ids.size).toBe(1);
    c.close();
  });

  test("TLS verifies the certificate: an unknown CA or a name it does not cover is a connection error", async () => {
    const strict = new Http1Client();
    const err = await strict.fetch(`${nginx.https}/small`).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Http1ConnectionError);
    expect(String((err as Error).message)).toMatch(/certificate|verify/i);
    strict.close();
    // The certificate names localhost only: the same server reached as 127.0.0.1 is refused.
    expect(await (await tlsClient.fetch(`${nginx.https}/small`)).text()).toBe("small answer");
    const wrongName = await tlsClient.fetch(`https://127.0.0.1:${nginx.httpsPort}/small`).then(() => undefined, (e: unknown) => e);
    expect(wrongName).toBeInstanceOf(Http1ConnectionError);
    expect(String((wrongName as Error).message)).toMatch(/altnames|hostname/i);
  });

  test("a body read slowly from nginx arrives whole", async () => {
    const r = await client.fetch(`${nginx.http}/large.bin`);
    const reader = r.body!.getReader();
    const parts: Uint8Array[] = [];
    for (let n = 0; ; n++) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      if (n % 16 === 0) await Bun.sleep(1);
    }
    expect(sha(Buffer.concat(parts))).toBe(sha(files["large.bin"]!));
  });
});
