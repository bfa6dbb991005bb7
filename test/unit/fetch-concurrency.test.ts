import { expect, test } from "bun:test";
import { FETCH_CONCURRENCY, fetchConcurrencyWarning, withFetchConcurrency } from "../../src/transport/fetch-concurrency.ts";

test("a process Butter starts gets fetch's limit raised, unless the user set one", () => {
  expect(withFetchConcurrency({ PATH: "/bin" })).toEqual({ PATH: "/bin", BUN_CONFIG_MAX_HTTP_REQUESTS: FETCH_CONCURRENCY });
  expect(withFetchConcurrency({ BUN_CONFIG_MAX_HTTP_REQUESTS: "512" }).BUN_CONFIG_MAX_HTTP_REQUESTS).toBe("512");
});

test("the start-up warning: only for fetch held to 256 or less", () => {
  expect(fetchConcurrencyWarning({}, "fetch")?.fields).toEqual({ max_upstream_requests: 256 });
  expect(fetchConcurrencyWarning({ BUN_CONFIG_MAX_HTTP_REQUESTS: "64" }, "fetch")?.fields).toEqual({ max_upstream_requests: 64 });
  expect(fetchConcurrencyWarning({ BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" }, "fetch")).toBeUndefined();
  // Values Bun refuses leave its default of 256 in force.
  for (const bad of ["abc", "0", "100000", "1.5", ""]) expect(fetchConcurrencyWarning({ BUN_CONFIG_MAX_HTTP_REQUESTS: bad }, "fetch")?.fields).toEqual({ max_upstream_requests: 256 });
  expect(fetchConcurrencyWarning({}, "http1")).toBeUndefined();
  expect(fetchConcurrencyWarning({}, "fetch")?.msg).toContain("npm start");
});
