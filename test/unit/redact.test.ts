import * as v from "valibot";
import { describe, expect, test } from "bun:test";
import { errors, GatewayError } from "../../src/core/errors.ts";
import { REDACTED, Redactor } from "../../src/core/redact.ts";
import { attemptRedactor } from "../../src/engine/secrets.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import { retryAfterValue, retryHeaders } from "../../src/providers/shared/upstream-error.ts";

const providerFactories = await loadAllProviderFactories();

const key = (k: Record<string, string>) => v.parse(configSchema, { providers: { p: { keys: [k] } } }).providers.p!.keys[0]!;

describe("Redactor", () => {
  test("every string field and header value of an error is cleaned; the status, kind and retryability stay", () => {
    const secret = "sk-live-0123456789";
    const err = errors.upstream("p", 401, `bad key ${secret}`, { type: secret, code: `x${secret}x`, param: secret, headers: { "retry-after": secret, "retry-after-ms": "5" }, retryable: true });
    const out = new Redactor([secret]).error(err);
    expect(out).toBeInstanceOf(GatewayError);
    expect(out).toMatchObject({ kind: "upstream_error", status: 401, message: `bad key ${REDACTED}`, type: REDACTED, code: `x${REDACTED}x`, param: REDACTED, retryable: true });
    // A header that carried the secret is dropped, not half-kept.
    expect(out.headers).toEqual({ "retry-after-ms": "5" });
  });

  test("nothing to clean: the same error object (no copy on the common path); short strings are not secrets", () => {
    const err = errors.upstream("p", 500, "boom");
    expect(new Redactor(["sk-live-0123456789"]).error(err)).toBe(err);
    expect(new Redactor(["abc", ""]).empty).toBe(true);
  });

  test("a secret containing another is replaced whole", () => {
    expect(new Redactor(["token-1234", "Bearer token-1234"]).text("got Bearer token-1234!")).toBe(`got ${REDACTED}!`);
  });

  test("an attempt's secrets: every stored credential field, passthrough headers, and credential headers actually sent", () => {
    const stored = attemptRedactor({ mode: "stored", key: key({ access_key_id: "AKIA0000TEST", secret_access_key: "secret/abc+def", session_token: "session-token-xyz" }), keyIndex: 0 }, {
      authorization: "Bearer ya29.derived-token", "content-type": "application/json", "x-custom-api-key": "custom-secret-1",
    });
    const text = stored.text("AKIA0000TEST secret/abc+def session-token-xyz ya29.derived-token custom-secret-1 application/json");
    expect(text).toBe(`${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} application/json`);
    const passthrough = attemptRedactor({ mode: "passthrough", headers: { authorization: "Bearer sk-client-777777" } }, undefined);
    expect(passthrough.text("key sk-client-777777")).toBe(`key ${REDACTED}`);
  });

  test("keys as the snapshot hands them out: every field a provider kind adds is a secret without being listed", () => {
    const snap = buildSnapshot(v.parse(configSchema, { providers: {
      bedrock: { region: "us-east-1", keys: [{ access_key_id: "AKIA1111TEST", secret_access_key: "secret/zzz+yyy", session_token: "session-token-abc" }] },
      vertex: { project: "p", region: "us-central1", keys: [{ access_token: "ya29.stored-access-token" }] },
    } }), providerFactories);
    expect([...snap.keys.keys()]).toEqual(["bedrock", "vertex"]);
    for (const keys of snap.keys.values()) {
      const key = keys[0]!.key;
      const fields = Object.values(key).filter((v): v is string => typeof v === "string" && v.length > 0);
      expect(fields.length).toBeGreaterThan(0);
      const redactor = attemptRedactor({ mode: "stored", key, keyIndex: 0 }, undefined);
      expect(redactor.text(fields.join(" | "))).toBe(fields.map(() => REDACTED).join(" | "));
    }
  });
});

describe("upstream headers a client may see", () => {
  test("retry-after: delta-seconds kept, HTTP-dates re-serialised, anything else dropped; nothing else passes", () => {
    expect(retryAfterValue("12")).toBe("12");
    expect(retryAfterValue(" 1.5 ")).toBe("1.5");
    expect(retryAfterValue("Wed, 21 Oct 2015 07:28:00 GMT")).toBe("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(retryAfterValue("Wednesday, 21-Oct-15 07:28:00 GMT")).toBe("Wed, 21 Oct 2015 07:28:00 GMT");
    for (const bad of ["", "soon", "-1", "1e3", "12 sk-abc", "Wed, 21 Oct 2015 07:28:00 GMT sk", "99999999999"]) expect(retryAfterValue(bad)).toBeUndefined();
    const headers = new Headers({ "retry-after": "3", "retry-after-ms": "abc", "set-cookie": "a=b", "x-request-id": "r", location: "http://x" });
    expect(retryHeaders(headers)).toEqual({ "retry-after": "3" });
  });
});
