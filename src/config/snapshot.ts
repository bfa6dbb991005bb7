import type { Config } from "./schema.ts";
import { ConfigError } from "./load.ts";
import type { ProviderAdapter, ProviderFactory } from "../providers/types.ts";
import type { KeyConfig } from "./schema.ts";
import { resolveProviderBlock } from "./provider-block.ts";
import { modelIdProblem } from "../core/model-id.ts";
import { baseUrlProblem } from "../providers/shared/upstream-url.ts";

export interface Target { provider: ProviderAdapter; model: string; weight: number }

export interface RoutePlan {
  name: string;
  strategy: "priority" | "round-robin";
  targets: readonly Target[];
}

export interface UsableKey { key: KeyConfig; index: number }

/** An immutable view of one config, with everything a request needs precompiled. */
export interface Snapshot {
  config: Config;
  providers: ReadonlyMap<string, ProviderAdapter>;
  keys: ReadonlyMap<string, readonly UsableKey[]>;
  routes: ReadonlyMap<string, RoutePlan>;
}

/** `known`: every kind there is, for the message naming an unknown one (`factories` may hold only the configured kinds). */
export function buildSnapshot(config: Config, factories: ReadonlyMap<string, ProviderFactory>, known: readonly string[] = [...factories.keys()]): Snapshot {
  const providers = new Map<string, ProviderAdapter>();
  const keys = new Map<string, UsableKey[]>();
  const problems: string[] = [];
  for (const [name, block] of Object.entries(config.providers)) {
    const kind = block.type ?? name;
    const factory = factories.get(kind);
    if (!factory) {
      const where = block.type ? `providers.${name}.type` : `providers.${name}`;
      problems.push(`${where}: unknown provider kind "${kind}" (known: ${known.join(", ")}; set \`type\` to name the kind)`);
      continue;
    }
    const baseProblem = block.base_url === undefined ? undefined : baseUrlProblem(block.base_url);
    if (baseProblem) {
      problems.push(`providers.${name}.base_url: ${baseProblem}`);
      continue;
    }
    const resolved = resolveProviderBlock(name, block, factory);
    if (!resolved.ok) {
      problems.push(resolved.problem);
      continue;
    }
    // The adapter and the keys the engine hands it come from the same factory and the same parse,
    // which is what lets an adapter read its kind's key fields from `auth.key`.
    providers.set(name, factory.create(name, resolved.block));
    keys.set(name, resolved.block.keys.map((key, index) => ({ key, index })).filter(({ key }) => factory.keyUsable(key)));
  }
  const routes = new Map<string, RoutePlan>();
  for (const [name, route] of Object.entries(config.routes)) {
    const targets: Target[] = [];
    route.targets.forEach((t, i) => {
      const provider = providers.get(t.provider);
      const refused = provider && targetModelProblem(provider, t.model);
      if (!provider) problems.push(`routes.${name}.targets[${i}].provider: no provider named "${t.provider}"`);
      else if (refused) problems.push(`routes.${name}.targets[${i}].model: "${t.model}" cannot be a model id: ${refused}`);
      else targets.push({ provider, model: t.model, weight: t.weight });
    });
    routes.set(name, { name, strategy: route.strategy, targets });
  }
  if (problems.length > 0) throw new ConfigError(problems.join("; "));
  return { config, providers, keys, routes };
}

/** Why `provider` cannot be sent `model`: the generic model-id rule, then the provider's own. */
export function targetModelProblem(provider: ProviderAdapter, model: string): string | undefined {
  return modelIdProblem(model) ?? provider.modelProblem?.(model);
}
