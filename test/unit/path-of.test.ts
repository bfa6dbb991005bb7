import { describe, expect, test } from "bun:test";
import { pathOf } from "../../src/server/server.ts";

describe("pathOf", () => {
  test("absolute URLs, as Bun hands them over", () => {
    expect(pathOf("http://127.0.0.1:8080/v1/chat/completions")).toBe("/v1/chat/completions");
    expect(pathOf("http://h/v1/models?x=1&y=/z")).toBe("/v1/models");
    expect(pathOf("http://h")).toBe("/");
    expect(pathOf("http://h?q")).toBe("/");
    expect(pathOf("http://h//metrics")).toBe("//metrics");
    expect(pathOf("https://[::1]:8080/healthz")).toBe("/healthz");
  });

  test("the bare request target of an HTTP/1.0 request without Host", () => {
    expect(pathOf("/v1/models")).toBe("/v1/models");
    expect(pathOf("/healthz")).toBe("/healthz");
    expect(pathOf("/healthz?x=http://a/b")).toBe("/healthz");
    expect(pathOf("//metrics")).toBe("//metrics");
    expect(pathOf("/v1/%2e%2e/metrics")).toBe("/v1/%2e%2e/metrics");
  });
});
