// word-block: refuses requests whose messages contain one of the configured words (case-insensitive),
// with a 400 in the envelope of the API the client called. Config: `words`, a JSON list of strings
// (`config: { words: ["secret", "forbidden"] }`), and optional `message`.
// pre_llm sees the request in OpenAI chat shape whatever API the client used (chat, Messages, Responses).
import { Config, Host } from "@extism/as-pdk";

function q(s: string): string {
  return '"' + s.replaceAll("\\", "\\\\").replaceAll('"', '\\"') + '"';
}

/** The strings of a flat JSON list of strings (no escapes inside the words). */
function words(list: string): string[] {
  const out: string[] = [];
  let i = list.indexOf('"');
  while (i >= 0) {
    const end = list.indexOf('"', i + 1);
    if (end < 0) break;
    const w = list.substring(i + 1, end).toLowerCase();
    if (w.length > 0) out.push(w);
    i = list.indexOf('"', end + 1);
  }
  return out;
}

export function pre_llm(): i32 {
  const list = Config.get("words");
  if (list === null) return 0;
  // The whole payload, lowercased: messages, and the model name too (a real plugin would parse the body).
  const input = Host.inputString().toLowerCase();
  const blocked = words(list!);
  for (let i = 0; i < blocked.length; i++) {
    if (input.indexOf(blocked[i]) >= 0) {
      const custom = Config.get("message");
      const message = custom === null ? "This request contains a blocked word." : custom!;
      Host.outputString('{"respond":{"status":400,"error":{"message":' + q(message) + ',"type":"invalid_request_error","code":"word_blocked"},"kind":"word_blocked"},' +
        '"log":{"level":"warn","message":"word-block: request blocked","fields":{"word":' + q(blocked[i]) + "}}}");
      return 0;
    }
  }
  return 0;
}
