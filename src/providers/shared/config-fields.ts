import * as v from "valibot";
import { optionalText } from "../../config/schema.ts";

// Building blocks for a provider kind's own config schema (ProviderFactory.settings / keyFields).

/** A credential field of a key: absent or blank is "" (the key is then skipped if nothing else makes it usable). */
export const credential = optionalText;

/**
 * A field the kind cannot work without, checked against `pattern`. Absent, null and "" (an unset
 * `${VAR}`) all get the `required` message; the value goes into URLs or signatures, hence the pattern.
 */
export function requiredMatching(pattern: RegExp, required: string, mismatch: (value: string) => string) {
  return v.pipe(
    v.string((issue) => (issue.input == null ? required : "expected a string")),
    v.check((value) => value !== "" && pattern.test(value), (issue) => (issue.input === "" ? required : mismatch(issue.input))),
  );
}
