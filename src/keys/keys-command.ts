// `butter keys create|list|revoke`: the admin API's key operations on the store the config names,
// for operators without an HTTP client. A running gateway sees the change within its poll interval.
import type { KeysCommand } from "../cli.ts";
import { loadConfigFile } from "../config/load.ts";
import { openBackend } from "../store/open-store.ts";
import { createKeyInput, parseKeyInput } from "./key-input.ts";
import { isKeyId } from "./key-format.ts";
import { createKey, keyObject, newKeyObject, revokeKey } from "./manage.ts";
import { budgetState, type SpendReader } from "../cost/budgets.ts";

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
      out(JSON.stringify({ ...newKeyObject(record, Date.now()), key }, null, 2));
      process.stderr.write("The key is shown this once: store it now.\n");
    } else if (cmd.action === "list") {
      const spend: SpendReader = { now: Date.now, spend: (id, days) => backend.ledger.spend(id, days) };
      const keys = await Promise.all((await store.list()).map(async (k) => keyObject(k, undefined, await budgetState(spend, k.record))));
      out(JSON.stringify({ data: keys }, null, 2));
    } else {
      const found = isKeyId(cmd.id) ? await revokeKey(store, cmd.id) : undefined;
      if (found === undefined) throw new Error(`no app key with id "${cmd.id.slice(0, 64)}" in ${backend.describe}`);
      out(JSON.stringify(keyObject(found), null, 2));
    }
  } finally {
    await backend.close();
  }
}
