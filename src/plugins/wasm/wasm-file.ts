import { resolve } from "node:path";
import type { PluginConfig } from "../../config/schema.ts";

/** Where a `wasm:` entry's module is: relative to the working directory, like `store: sqlite:` paths. */
export function wasmFile(entry: Pick<PluginConfig, "wasm">): string {
  return resolve(entry.wasm!);
}
