// Bun's idle timer closes a connection that has sent and received nothing for `idleTimeout`
// seconds, in-flight requests included, and an LLM may think for minutes before its first byte. So
// the timer is off while a request is handled and back on once its answer is complete: a keep-alive
// connection that then sends no new request is closed after server.idle_timeout, instead of holding
// a file descriptor forever. (Headers are bounded by Bun itself, bodies by server.body_timeout.)
import type { Exchange } from "./context.ts";

/** On arrival: nothing Bun times out until the answer is complete. */
export function holdConnection(ex: Exchange): void {
  ex.server?.timeout(ex.incoming, 0);
}

/** The answer is complete (a JSON body handed to Bun, or a stream's last byte): idle time counts again. */
export function releaseConnection(ex: Exchange, idleMs: number): void {
  ex.server?.timeout(ex.incoming, Math.ceil(idleMs / 1000));
}
