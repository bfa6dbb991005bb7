// ${VAR} and ${VAR:-default} from the environment. An unset variable without a default becomes
// an empty string and is reported, so the example config starts on a machine with no keys.
const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolated { text: string; unset: string[] }

export function interpolate(text: string, env: Record<string, string | undefined>): Interpolated {
  const unset = new Set<string>();
  const lines = text.split("\n").map((line) => {
    if (line.trimStart().startsWith("#")) return line;
    return line.replace(PATTERN, (_m, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== "") return value;
      if (fallback !== undefined) return fallback;
      unset.add(name);
      return "";
    });
  });
  return { text: lines.join("\n"), unset: [...unset] };
}
