import type { PluginResponse } from "./types.ts";

/** A hook answered the request itself; thrown through the handler to the dispatcher. */
export class ShortCircuit {
  /**
   * The LLM request a pre- or post-LLM hook answered: a success body is then that operation's answer
   * (a ChatCompletion for chat and Messages), which the operation encodes in its client API's shape.
   * Undefined for an HTTP-phase answer, whose body goes out as given.
   */
  request: { model: string } | undefined;

  constructor(readonly plugin: string, readonly response: PluginResponse) {}
}

/** A success body the operation can encode: an object answered with a 2xx. */
export function encodable(r: PluginResponse): r is PluginResponse & { body: object } {
  return r.status >= 200 && r.status < 300 && typeof r.body === "object" && r.body !== null;
}

/** `text`: the body already encoded for the client API; else the plugin's JSON as it gave it. */
export function pluginResponse(r: PluginResponse, headers: Record<string, string>, text = JSON.stringify(r.body ?? null)): Response {
  return new Response(text, {
    status: r.status,
    headers: { ...headers, ...r.headers, "content-type": "application/json" },
  });
}
