// Stored responses shared through Redis (`store: redis`): two gateway processes on the same Redis, the
// official SDK as client. A response created on gateway A is retrieved, continued (previous_response_id)
// and deleted on gateway B — what a deployment of several gateways behind a load balancer relies on.
// Runs against the real Redis at REDIS_URL (see test/plugins/redis-support.ts for when it is skipped).
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import OpenAI from "openai";
import { describeRedis, REDIS_URL, redisClient } from "../plugins/redis-support.ts";
import { json, loadJson, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

let mock: MockUpstream;
let a: Gateway;
let b: Gateway;
let clientA: OpenAI;
let clientB: OpenAI;
/** Ids unique to this run, so a shared Redis (or a parallel run) never sees them twice. */
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
let served = 0;
const RESPONSE = loadJson("openai", "responses.response.json").body;

const config = () => ({
  store: "redis",
  redis: { url: REDIS_URL },
  providers: {
    openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-redis-e2e-openai" }] },
    groq: { base_url: `${mock.url}/groq`, keys: [{ value: "gsk-redis-e2e" }] },
  },
  failover: { timeout: "5s", max_attempts: 1 },
});

describeRedis("Responses stored in Redis, shared by two gateways", () => {
  beforeAll(async () => {
    mock = await startMockUpstream();
    [a, b] = await Promise.all([startGateway(config()), startGateway(config())]);
    clientA = new OpenAI({ baseURL: `${a.baseURL}/v1`, apiKey: "unused", maxRetries: 0 });
    clientB = new OpenAI({ baseURL: `${b.baseURL}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await mock?.stop();
  });
  beforeEach(() => {
    mock.reset();
    mock.when("POST", "/v1/responses", (req) => {
      const input = (req.json as { input?: unknown }).input;
      const n = ++served;
      return json({
        ...RESPONSE, id: `resp_redis_${run}_${n}`,
        output: [{ type: "message", id: `msg_redis_${run}_${n}`, status: "completed", role: "assistant", content: [{ type: "output_text", text: `answer ${n} to ${JSON.stringify(input).length} chars`, annotations: [] }] }],
      });
    });
  });

  test("native (openai): created on A; retrieved, continued and deleted on B; gone on A too", async () => {
    const first = await clientA.responses.create({ model: "openai/gpt-4.1", input: "My name is Ada." });
    expect(first.id).toStartWith(`resp_redis_${run}_`);

    const seen = await clientB.responses.retrieve(first.id);
    expect(seen.id).toBe(first.id);
    expect(seen.output).toEqual(first.output);

    const second = await clientB.responses.create({ model: "openai/gpt-4.1", input: "What is my name?", previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
    // B expanded A's turn into the input it sent: A's input and output, then the new message.
    const sent = mock.requests.at(-1)!.json as { input: Array<Record<string, any>>; previous_response_id?: unknown };
    expect(sent.previous_response_id).toBeUndefined();
    expect(sent.input[0]).toMatchObject({ role: "user", content: [{ type: "input_text", text: "My name is Ada." }] });
    expect(sent.input[1]).toMatchObject({ type: "message", role: "assistant", id: first.output[0]!.id });
    expect(sent.input.at(-1)).toMatchObject({ role: "user", content: [{ type: "input_text", text: "What is my name?" }] });

    // And A sees the turn B stored.
    expect((await clientA.responses.retrieve(second.id)).id).toBe(second.id);

    await clientB.responses.delete(first.id);
    for (const client of [clientA, clientB]) {
      const gone = await client.responses.retrieve(first.id).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    }
    // Continuing from a deleted turn is the client's error, named on the field.
    const refused = await clientA.responses.create({ model: "openai/gpt-4.1", input: "Again?", previous_response_id: first.id }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("previous_response_id");
    await clientA.responses.delete(second.id);
  });

  test("translated (groq chat): the gateway's own response id, stored by A, continues on B as chat history", async () => {
    mock.when("POST", "/groq/chat/completions", (req) => json({
      id: "chatcmpl-redis", object: "chat.completion", created: 1, model: "llama-3.3-70b",
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: `seen ${(req.json as { messages: unknown[] }).messages.length} messages` } }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    }));
    const first = await clientA.responses.create({ model: "groq/llama-3.3-70b", input: "Remember 42." });
    expect(first.output_text).toBe("seen 1 messages");
    const second = await clientB.responses.create({ model: "groq/llama-3.3-70b", input: "What did I say?", previous_response_id: first.id });
    expect(second.output_text).toBe("seen 3 messages");
    const messages = (mock.requests.at(-1)!.json as { messages: Array<{ role: string; content: unknown }> }).messages;
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(messages[1]!.content).toBe("seen 1 messages");
    await clientB.responses.delete(first.id);
    await clientB.responses.delete(second.id);
    expect((await fetch(`${a.baseURL}/v1/responses/${second.id}`)).status).toBe(404);
  });

  test("the record in Redis expires: it carries a TTL (responses.ttl), not kept forever", async () => {
    const made = await clientA.responses.create({ model: "openai/gpt-4.1", input: "TTL?" });
    const redis = redisClient();
    try {
      const ttl = Number(await redis.send("PTTL", [`butter:response:${made.id}`]));
      expect(ttl).toBeGreaterThan(0);
    } finally {
      redis.close();
    }
    await clientB.responses.delete(made.id);
  });
});
