// The Hono environment every route shares: the dependencies from the
// composition root, the request id, and what the bearer token resolved to.
import type { Authenticated } from "../domain/oauth/authenticate.ts";
import type { Deps } from "../deps.ts";
import type { RateStore } from "./rate-limit.ts";

export type TokenState =
  | { kind: "none" }
  | { kind: "invalid"; reason: "invalid" | "revoked" | "expired" }
  | { kind: "valid"; auth: Authenticated };

/**
 * An app's `fetch` as Hono and @hono/node-server call it: the request, then
 * the bindings (node-server's `incoming` and `outgoing`) and the execution
 * context. The front and the streaming server wrap one.
 */
export type Fetch<E, X> = (
  request: Request,
  env?: E,
  executionCtx?: X,
) => Response | Promise<Response>;

export interface HerdEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    token: TokenState;
    /** Parsed parameters (query merged with body), filled by `params()`. */
    params?: Record<string, unknown>;
    /** The app's rate-limit counters, for route-level limits (`signInRateLimit()`). */
    rateStore?: RateStore;
  };
}
