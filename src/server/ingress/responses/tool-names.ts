// Responses' namespace tools (a group of functions under one name, as Codex sends its sub-agent
// tools) have no chat counterpart: each function goes to a translated target as one flat function
// named `<namespace>__<name>`, and a call of that name comes back as a function_call naming both.
import type { ResponsesTool } from "./types.ts";

const SEPARATOR = "__";

/** The chat function name for a function in `namespace` (or on its own). */
export function chatToolName(name: string, namespace: string | undefined): string {
  return namespace === undefined || namespace === "" ? name : `${namespace}${SEPARATOR}${name}`;
}

/** A chat tool call's name as the Responses function_call names it: with its namespace when the request declared one. */
export function responsesToolName(chatName: string, tools: readonly ResponsesTool[]): { name: string; namespace?: string } {
  for (const tool of tools) {
    if (tool.type !== "namespace" || !chatName.startsWith(tool.name + SEPARATOR)) continue;
    const name = chatName.slice(tool.name.length + SEPARATOR.length);
    if (tool.tools.some((t) => t.name === name)) return { name, namespace: tool.name };
  }
  return { name: chatName };
}
