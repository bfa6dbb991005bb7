export function dropFields(body: Record<string, unknown>, fields: readonly string[]): void {
  for (const field of fields) delete body[field];
}

/** Copies messages without `name` (the request's own messages are shared across attempts). */
export function dropMessageNames(body: Record<string, unknown>): void {
  if (!Array.isArray(body.messages)) return;
  body.messages = body.messages.map((m: Record<string, unknown>) => {
    if (m.name === undefined) return m;
    const { name: _name, ...rest } = m;
    return rest;
  });
}
