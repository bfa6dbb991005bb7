// The taxonomy. Indexes are stable: they key the per-category switches in config.
export const OVERRIDE: i32 = 0;
export const ROLE: i32 = 1;
export const EXTRACTION: i32 = 2;
export const DELIMITER: i32 = 3;
export const ENCODED: i32 = 4;
export const EXFILTRATION: i32 = 5;
export const TOOL_ABUSE: i32 = 6;
export const OBFUSCATION: i32 = 7;
export const CATEGORY_COUNT: i32 = 8;

export const CATEGORY_NAMES: StaticArray<string> = [
  "instruction_override",
  "role_hijack",
  "prompt_extraction",
  "delimiter_injection",
  "encoded_payload",
  "data_exfiltration",
  "tool_abuse",
  "unicode_obfuscation",
];

export function categoryIndex(name: string): i32 {
  for (let i = 0; i < CATEGORY_COUNT; i++) if (CATEGORY_NAMES[i] == name) return i;
  return -1;
}
