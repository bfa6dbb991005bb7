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
  constructor() {
    super(USAGE);
  }
}
