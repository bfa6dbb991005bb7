import { errors } from "../core/errors.ts";
import { modelIdProblem } from "../core/model-id.ts";
import { targetModelProblem, type RoutePlan, type Snapshot } from "../config/snapshot.ts";

/**
 * A model name is a route name, or `provider/model` split at the first `/`
 * (`openrouter/meta-llama/llama-3.1-70b` → provider `openrouter`, model `meta-llama/llama-3.1-70b`).
 */
export function resolveModel(snapshot: Snapshot, model: string): RoutePlan {
  const route = snapshot.routes.get(model);
  if (route) return route;
  // Checked before the name is even split: it may end up in an upstream URL path.
  const problem = modelIdProblem(model);
  if (problem !== undefined) throw errors.invalidModel(model, problem);
  const slash = model.indexOf("/");
  if (slash <= 0 || slash === model.length - 1) {
    throw errors.modelNotFound(model, "use `provider/model` (e.g. `openai/gpt-4o-mini`) or a route name from the config.");
  }
  const providerName = model.slice(0, slash);
  const provider = snapshot.providers.get(providerName);
  if (!provider) throw errors.modelNotFound(model, `no provider named '${providerName}' is configured.`);
  const id = model.slice(slash + 1);
  const refused = targetModelProblem(provider, id);
  if (refused !== undefined) throw errors.invalidModel(model, refused);
  return { name: model, strategy: "priority", targets: [{ provider, model: id, weight: 1 }] };
}
