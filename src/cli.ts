export interface CliOptions {
  configPath: string;
  /** Reload when the config file changes (default); `--no-watch` leaves reloads to SIGHUP. */
  watch: boolean;
}

const USAGE = "usage: butter --config <file> [--no-watch]";

/** `butter --config <file>` (also `-config <file>` and `--config=<file>`; default `config.yaml`). */
export function parseArgs(argv: readonly string[]): CliOptions {
  let configPath = "config.yaml";
  let watch = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--config" || arg === "-config" || arg === "-c") {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a file path`);
      configPath = value;
    } else if (arg.startsWith("--config=") || arg.startsWith("-config=")) {
      configPath = arg.slice(arg.indexOf("=") + 1);
    } else if (arg === "--no-watch") {
      watch = false;
    } else if (arg === "--help" || arg === "-h") {
      throw new HelpRequested();
    } else {
      throw new Error(`unknown argument "${arg}" (${USAGE})`);
    }
  }
  return { configPath, watch };
}

export class HelpRequested extends Error {
  constructor(usage = USAGE) {
    super(usage);
  }
}

export type KeysCommand =
  | { action: "create"; configPath: string; name: string; models: string[] | undefined; expires: string | undefined }
  | { action: "list"; configPath: string }
  | { action: "revoke"; configPath: string; id: string };

const KEYS_USAGE = "usage: butter keys create --name <name> [--models a,b] [--expires <ISO-8601>] --config <file>\n" +
  "       butter keys list --config <file>\n" +
  "       butter keys revoke <id> --config <file>";

/** `butter keys create|list|revoke ...` (argv after `keys`). */
export function parseKeysArgs(argv: readonly string[]): KeysCommand {
  const [action, ...rest] = argv;
  let configPath = "config.yaml";
  let name: string | undefined;
  let models: string[] | undefined;
  let expires: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (v === undefined) throw new Error(`${flag} needs a value (${KEYS_USAGE})`);
      return v;
    };
    if (flag === "--config" || flag === "-c") configPath = value();
    else if (flag === "--name" && action === "create") name = value();
    else if (flag === "--models" && action === "create") models = value().split(",").map((m) => m.trim()).filter((m) => m !== "");
    else if (flag === "--expires" && action === "create") expires = value();
    else if (flag === "--help" || flag === "-h") throw new HelpRequested(KEYS_USAGE);
    else if (!arg.startsWith("-")) positional.push(arg);
    else throw new Error(`unknown argument "${arg}" (${KEYS_USAGE})`);
  }
  if (action === "create") {
    if (name === undefined) throw new Error(`keys create needs --name (${KEYS_USAGE})`);
    if (positional.length > 0) throw new Error(`unexpected "${positional[0]}" (${KEYS_USAGE})`);
    return { action, configPath, name, models, expires };
  }
  if (action === "list") {
    if (positional.length > 0) throw new Error(`unexpected "${positional[0]}" (${KEYS_USAGE})`);
    return { action, configPath };
  }
  if (action === "revoke") {
    if (positional.length !== 1) throw new Error(`keys revoke needs one key id (${KEYS_USAGE})`);
    return { action, configPath, id: positional[0]! };
  }
  if (action === undefined || action === "--help" || action === "-h") throw new HelpRequested(KEYS_USAGE);
  throw new Error(`unknown keys command "${action}" (${KEYS_USAGE})`);
}
