// A gateway started on a port that is already taken exits 1 with one line saying so, instead of
// sharing the port (Bun sets SO_REUSEPORT by default in production mode, and the kernel would then
// split connections between two configs).
import { describe, expect, test } from "bun:test";
import net from "node:net";
import { spawnGateway, startGateway } from "../support/index.ts";

async function expectRefused(address: string, port: number): Promise<void> {
  const second = spawnGateway({ server: { address }, providers: {} });
  expect(await second.exited).toBe(1);
  const lines = second.logs.filter(Boolean);
  expect(lines).toEqual([`butter: cannot listen on ${address.startsWith(":") ? "0.0.0.0" : "127.0.0.1"}:${port}: the address is already in use (another process is listening on it)`]);
}

describe("a port in use", () => {
  test("a second gateway on the same address exits 1 with a one-line reason; the first keeps serving", async () => {
    const first = await startGateway({ providers: {} });
    try {
      await expectRefused(`127.0.0.1:${first.port}`, first.port);
      // every connection still reaches the first one
      for (let i = 0; i < 5; i++) expect((await fetch(`${first.baseURL}/healthz`)).status).toBe(200);
      expect(first.proc.exitCode).toBeNull();
    } finally {
      await first.stop();
    }
  });

  test("a port held by another program: a plain listener, and one that allows port sharing (SO_REUSEPORT)", async () => {
    const plain = net.createServer();
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const plainPort = (plain.address() as net.AddressInfo).port;
    // A stranger that set SO_REUSEPORT itself: only a gateway that does not set it is refused by the kernel.
    const sharing = Bun.serve({ hostname: "127.0.0.1", port: 0, reusePort: true, fetch: () => new Response("stranger") });
    const sharingPort = sharing.port!;
    try {
      await expectRefused(`127.0.0.1:${plainPort}`, plainPort);
      await expectRefused(`127.0.0.1:${sharingPort}`, sharingPort);
      // and the wildcard address overlaps a specific one
      await expectRefused(`:${sharingPort}`, sharingPort);
      expect(await (await fetch(`http://127.0.0.1:${sharingPort}/`)).text()).toBe("stranger");
    } finally {
      plain.close();
      await sharing.stop(true);
    }
  });
});
