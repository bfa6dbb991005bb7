// header-tag: adds one header to every response of the gateway's LLM APIs.
// Config: `name` (default "x-butter-tag") and `value` (default "butter").
// The smallest useful plugin: copy this directory, rename it, and `bun scripts/build-plugins.ts`.
import { Config, Host } from "@extism/as-pdk";

// JSON string literal; header values must not contain CR or LF, the host rejects them.
function q(s: string): string {
  return '"' + s.replaceAll("\\", "\\\\").replaceAll('"', '\\"') + '"';
}

// Runs first, before the body is read: the `headers` it returns go on whatever answer the client gets.
export function pre_http(): i32 {
  const name = Config.get("name");
  const value = Config.get("value");
  Host.outputString('{"headers":{' + q(name === null ? "x-butter-tag" : name!) + ":" + q(value === null ? "butter" : value!) + "}}");
  return 0;
}
