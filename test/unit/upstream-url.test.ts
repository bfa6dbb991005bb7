import { describe, expect, test } from "bun:test";
import { baseUrlProblem, segment, upstreamBase, urlUnder } from "../../src/providers/shared/upstream-url.ts";

describe("upstream URLs", () => {
  const url = urlUnder("http://127.0.0.1:1/gemini-root/v1beta");

  test("interpolated values are encoded path segments; literal text is kept", () => {
    expect(url`/${["models", "gemini-1.5-pro-001"]}:generateContent`).toBe("http://127.0.0.1:1/gemini-root/v1beta/models/gemini-1.5-pro-001:generateContent");
    expect(url`/model/${"anthropic.claude-3-5-sonnet-20240620-v1:0"}/converse`).toBe(
      "http://127.0.0.1:1/gemini-root/v1beta/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse",
    );
    // An ARN is one segment: its `/` cannot start a new one.
    expect(url`/model/${"arn:aws:bedrock:us-east-1:1:inference-profile/x"}/converse`).toEndWith("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse");
    // `@` is a plain path character, sent as Vertex's own clients send it.
    expect(url`/anthropic/models/${"claude-3-5-sonnet@20240620"}:rawPredict`).toEndWith("/anthropic/models/claude-3-5-sonnet@20240620:rawPredict");
  });

  test("whatever a value holds, the URL stays under the base path", () => {
    for (const hostile of ["../../admin", "a?x=1", "a#b", "%2e%2e", "a\\b", "a/b", "x\u0000y", "../..", "?", "#"]) {
      const built = new URL(url`/models/${hostile}:generateContent`);
      expect(built.pathname.startsWith("/gemini-root/v1beta/models/")).toBe(true);
      expect(built.search).toBe("");
      expect(built.hash).toBe("");
    }
  });

  test("after a `?` values are query values", () => {
    expect(url`/models?pageSize=1000&pageToken=${"a&b=c/d"}`).toEndWith("/models?pageSize=1000&pageToken=a%26b%3Dc%2Fd");
  });

  test("empty and dot segments, and lone surrogates, cannot be encoded away: a 400", () => {
    for (const bad of ["", ".", ".."]) expect(() => segment(bad)).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => url`/models/${["models", ".."]}`).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => segment("a\ud800")).toThrow(expect.objectContaining({ status: 400 }));
  });

  test("the base is normalised once; a base_url with a query or fragment is a config error", () => {
    expect(upstreamBase("http://EXAMPLE.com/a/../b/")).toBe("http://example.com/b");
    expect(baseUrlProblem("https://example.com/v1")).toBeUndefined();
    expect(baseUrlProblem("https://example.com/v1?key=x")).toContain("query");
    expect(baseUrlProblem("https://example.com/v1#frag")).toContain("fragment");
    expect(baseUrlProblem("ftp://example.com")).toContain("http");
  });
});
