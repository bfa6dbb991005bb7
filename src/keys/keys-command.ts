// `butter keys create|list|revoke`: the admin API's key operations on the store the config names,
// for operators without an HTTP client. A running gateway sees the change within its poll interval.
import type { KeysCommand } from "../cli.ts";
import { loadConfigFile } from "../config/load.ts";
import { openBackend } from "../store/open-store.ts";
import { createKeyInput, parseKeyInput } from "./key-input.ts";
import { isKeyId } from "./key-format.ts";
import { createKey, keyObject, revokeKey } from "./manage.ts";

/** Prints JSON (the admin API's shapes) to stdout; throws with a one-line reason. */
export async function runKeysCommand(cmd: KeysCommand, out: (text: string) => void): Promise<void> {
  const { config } = await loadConfigFile(cmd.configPath);
  const backend = openBackend(config);
  try {
    const store = backend.appKeys;
    if (cmd.action === "create") {
      const body: Record<string, unknown> = { name: cmd.name };
      if (cmd.models !== undefined) body.models = cmd.models;
      if (cmd.expires !== undefined) body.expires_at = cmd.expires;
      const input = parseKeyInput(createKeyInput, body);
      const { record, key } = await createKey(store, input);
      out(JSON.stringify({ ...keyObject({ record, counters: { requests: 0, promptTokens: 0, completionTokens: 0, errors: 0, costPico: 0n, lastUsedAt: null } }), key }, null, 2));
      process.stderr.write("The key is shown this once: store it now.\n");
    } else if (cmd.action === "list") {
      out(JSON.stringify({ data: (await store.list()).map((k) => keyObject(k)) }, null, 2));
    } else {
      const found = isKeyId(cmd.id) ? await revokeKey(store, cmd.id) : undefined;
      if (found === undefined) throw new Error(`no app key with id "${cmd.id.slice(0, 64)}" in ${backend.describe}`);
      out(JSON.stringify(keyObject(found), null, 2));
    }
  } finally {
    await backend.close();
  }
}
