import { describe, expect, test } from "bun:test";
import { canonicalPath, signRequest, type AwsCredentials } from "../../src/providers/bedrock/sigv4.ts";

// The AWS Signature V4 test suite's example credentials and clock.
const EXAMPLE: AwsCredentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const NOW = new Date("2015-08-30T12:36:00Z");
const suite = (method: string, url: string) =>
  signRequest({ method, url: new URL(url), headers: {}, body: "", region: "us-east-1", service: "service", credentials: EXAMPLE, now: NOW });
const SUITE_SCOPE = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=";

describe("SigV4: AWS test-suite vectors", () => {
  test("get-vanilla", () => {
    const s = suite("GET", "https://example.amazonaws.com/");
    expect(s.headers.authorization).toBe(SUITE_SCOPE + "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    expect(s.headers["x-amz-date"]).toBe("20150830T123600Z");
    expect(s.canonicalRequest).toBe(
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  test("post-vanilla", () => {
    expect(suite("POST", "https://example.amazonaws.com/").headers.authorization).toBe(
      SUITE_SCOPE + "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    );
  });

  test("get-vanilla-query-order-key-case (query sorted)", () => {
    expect(suite("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1").headers.authorization).toBe(
      SUITE_SCOPE + "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    );
  });
});

describe("SigV4: Bedrock requests", () => {
  const url = new URL("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  const body = JSON.stringify({ messages: [{ role: "user", content: [{ text: "Hello!" }] }] });
  const withToken: AwsCredentials = { ...EXAMPLE, sessionToken: "FQoGZXIvYXdzEXAMPLETOKEN" };
  const converse = signRequest({
    method: "POST", url, headers: { "content-type": "application/json" }, body, region: "us-east-1", service: "bedrock", credentials: withToken, now: NOW,
  });

  // Signatures below were computed independently with @smithy/signature-v4 5.7.5 (the AWS SDK's signer,
  // applyChecksum off) for the same inputs; see bench/sigv4-micro.ts for how to run it side by side.
  test("converse with a session token: signed header set, token header, scope and signature", () => {
    expect(converse.signedHeaders).toBe("content-type;host;x-amz-date;x-amz-security-token");
    expect(converse.headers["x-amz-security-token"]).toBe("FQoGZXIvYXdzEXAMPLETOKEN");
    expect(converse.headers["x-amz-date"]).toBe("20150830T123600Z");
    expect(converse.headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, " +
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, " +
        "Signature=06dd58d031fd022a2b4f458257cf5b3eefb817538039016d19273aaab4f7a396",
    );
  });

  test("the encoded model id is encoded once more in the canonical URI (non-S3 rule)", () => {
    expect(converse.canonicalRequest.split("\n")[1]).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse");
    expect(canonicalPath("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x/converse")).toBe(
      "/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A1%253Ainference-profile%252Fus.x/converse",
    );
    expect(canonicalPath("/a/./b/../c/")).toBe("/a/c/");
  });

  test("the payload hash is of the exact body bytes", () => {
    const other = signRequest({
      method: "POST", url, headers: { "content-type": "application/json" }, body: body + " ", region: "us-east-1", service: "bedrock", credentials: withToken, now: NOW,
    });
    expect(other.headers.authorization).not.toBe(converse.headers.authorization);
    const asBytes = signRequest({
      method: "POST", url, headers: { "content-type": "application/json" }, body: new TextEncoder().encode(body), region: "us-east-1", service: "bedrock", credentials: withToken, now: NOW,
    });
    expect(asBytes.headers.authorization).toBe(converse.headers.authorization);
  });

  test("control-plane listing with a query string", () => {
    const s = signRequest({
      method: "GET", url: new URL("https://bedrock.us-west-2.amazonaws.com/foundation-models?byProvider=Anthropic&byOutputModality=TEXT"),
      headers: {}, body: "", region: "us-west-2", service: "bedrock", credentials: EXAMPLE, now: NOW,
    });
    expect(s.canonicalRequest.split("\n")[2]).toBe("byOutputModality=TEXT&byProvider=Anthropic");
    expect(s.headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-west-2/bedrock/aws4_request, SignedHeaders=host;x-amz-date, " +
        "Signature=d6c34d348e97551de1fee846f94d614f18831fd0ec0d1920cc36877ad7dd5262",
    );
    expect(s.headers["x-amz-security-token"]).toBeUndefined();
  });

  test("hop-by-hop and user-agent headers are not signed; values are trimmed", () => {
    const s = signRequest({
      method: "POST", url, body, region: "us-east-1", service: "bedrock", credentials: EXAMPLE, now: NOW,
      headers: { "Content-Type": "  application/json ", "User-Agent": "x", Authorization: "old", "X-Custom": "a   b" },
    });
    expect(s.signedHeaders).toBe("content-type;host;x-amz-date;x-custom");
    expect(s.canonicalRequest).toContain("content-type:application/json\n");
    expect(s.canonicalRequest).toContain("x-custom:a b\n");
  });
});
