import * as v from "valibot";
import { describe, expect, test } from "bun:test";
import { collectSse } from "./contract.ts";
import { sseFixtureReply, startMockUpstream } from "../support/index.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import { makeSend } from "../../src/transport/upstream-fetch.ts";
import { azureStreamUsage } from "../../src/providers/azure/index.ts";
import { testReads } from "../support/reads.ts";

const providerFactories = await loadAllProviderFactories();

describe("azure: stream_options only where the api-version takes it", () => {
  test("dated versions from 2024-10-21 (previews included) and v1 ask for usage; earlier ones do not", () => {
    expect(azureStreamUsage({ api_version: "2024-10-21" })).toBe("request");
    expect(azureStreamUsage({ api_version: "2025-01-01-preview" })).toBe("request");
    expect(azureStreamUsage({ api_version: "v1" })).toBe("request");
    expect(azureStreamUsage({ api_version: "2024-06-01" })).toBe("none");
    expect(azureStreamUsage({ api_version: "2024-02-15-preview" })).toBe("none");
    expect(azureStreamUsage({ api_version: "2024-08-01-preview" })).toBe("none");
  });

  for (const [version, sent] of [["2024-06-01", false], ["2024-10-21", true]] as const) {
    test(`api_version ${version}: stream_options ${sent ? "sent" : "not sent, not even the client's"}; the stream still relays`, async () => {
      await using mock = await startMockUpstream();
      const config = v.parse(configSchema, { providers: { az: { type: "azure", base_url: mock.url, api_version: version, keys: [{ value: "k" }] } } });
      const adapter = buildSnapshot(config, providerFactories).providers.get("az")!;
      mock.when("POST", "*", sseFixtureReply("azure-openai", "stream.sse"));
      const signal = new AbortController().signal;
      const result = await adapter.chat({ model: "d", messages: [{ role: "user", content: "x" }], stream: true, stream_options: { include_usage: true } }, {
        model: "d", signal, auth: { mode: "stored", key: adapter.keys[0]!, keyIndex: 0 }, send: makeSend({ provider: "az", signal, timeoutMs: 5000 }), reads: testReads("az"),
      });
      const body = mock.requests[0]!.json as { stream_options?: unknown };
      if (sent) expect(body.stream_options).toEqual({ include_usage: true });
      else expect("stream_options" in body).toBe(false);
      if (result.type !== "stream") throw new Error("not a stream");
      const out = await collectSse(result.events, false);
      expect(out.chunks.length).toBeGreaterThan(0);
    });
  }
});
