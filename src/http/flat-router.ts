// A router around Hono's that hands Hono one handler per request: the
// middleware and the route it matched, run in order by `runInOrder` below.
//
// Why: when a request matches more than one handler, Hono runs them with its
// `compose`, in which every step is an async function awaiting the next. A
// GET of the client API matched five then (the context, federation's check,
// since mounted on its own paths only, the token, the rate limits, the
// route): five async frames and their microtask turns on every request,
// and a promise even when every step had answered synchronously, which also
// takes @hono/node-server off its synchronous path.
// With one handler Hono calls it directly, and `runInOrder` only makes a
// promise where a step returns one. Measured with bench/profile.ts and an
// A/B run of two servers (ARCHITECTURE.md, "Hot read paths").
//
// `runInOrder` keeps compose's rules (hono/dist/compose.js): a step's answer
// becomes the response unless an earlier one finalized it; an Error thrown
// or rejected by a step goes to the app's error handler there, and is left
// in `c.error` for the steps around it; no answer at the end is the app's
// not-found answer; `next()` twice throws. Two differences:
// - `next()` returns the context itself when the steps after it answered
//   synchronously (its type says a promise), so a step must `await next()`
//   or return it, never call `.then` on it;
// - Hono gives each handler the parameters of its own match, and a single
//   handler has one set: a match is folded only when no handler but the
//   last (the route) has parameters, and the middleware then reads the
//   route's. Other matches (two routes with parameters) go to Hono's compose
//   as they are.
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from "hono";
import type { Params, ParamIndexMap, Result, Router } from "hono/router";
import { isPromise } from "../lib/is-promise.ts";

// What Hono stores in its router for each route: the handler and its route record.
type Entry = [MiddlewareHandler, unknown];

export interface FlatRouterOptions {
  /** The app's error handler: the one given to app.onError, which answers the other matches. */
  onError: ErrorHandler;
  /** The app's not-found handler: the one given to app.notFound. */
  onNotFound: NotFoundHandler;
}

type Step = Context | PromiseLike<Context>;

/** The handlers, run in order as Hono's compose runs them; one handler for Hono. */
function runInOrder(handlers: MiddlewareHandler[], options: FlatRouterOptions): MiddlewareHandler {
  return (c) => {
    let index = -1;
    const settle = (res: unknown, isError: boolean): Context => {
      if (res && (c.finalized === false || isError)) c.res = res as Response;
      return c;
    };
    const fail = (err: unknown): Step => {
      if (!(err instanceof Error)) throw err;
      c.error = err;
      const res = options.onError(err, c);
      return isPromise(res) ? res.then((r) => settle(r, true)) : settle(res, true);
    };
    const dispatch = (i: number): Step => {
      if (i <= index) throw new Error("next() called multiple times");
      index = i;
      const handler = handlers[i];
      if (!handler) {
        if (c.finalized) return c;
        const res = options.onNotFound(c);
        return isPromise(res) ? res.then((r) => settle(r, false)) : settle(res, false);
      }
      let res: unknown;
      try {
        res = handler(c, () => dispatch(i + 1) as Promise<never>);
      } catch (err) {
        return fail(err);
      }
      return isPromise(res) ? res.then((r) => settle(r, false), fail) : settle(res, false);
    };
    const finish = (context: Context): Response => {
      if (!context.finalized) {
        throw new Error(
          "Context is not finalized. Did you forget to return a Response object or `await next()`?",
        );
      }
      return context.res;
    };
    const done = dispatch(0);
    return (isPromise(done) ? done.then(finish) : finish(done)) as ReturnType<MiddlewareHandler>;
  };
}

/** Matches kept at most, and the longest path kept. */
const MAX_CACHED = 1000;
const MAX_CACHED_PATH = 200;

/** `inner` (Hono's SmartRouter by default), with each match folded into one handler. */
export function flatRouter<T>(inner: Router<T>, options: FlatRouterOptions): Router<T> {
  // One runner per list of matched handlers, found by walking the list.
  interface Node {
    next: Map<unknown, Node>;
    runner?: Entry;
  }
  const root: Node = { next: new Map() };
  const runnerFor = (entries: [Entry, unknown][]): Entry => {
    let node = root;
    for (const [entry] of entries) {
      let child = node.next.get(entry);
      if (!child) node.next.set(entry, (child = { next: new Map() }));
      node = child;
    }
    node.runner ??= [
      runInOrder(
        entries.map(([[handler]]) => handler),
        options,
      ),
      // The route record of the last handler, the route itself (c.req.routePath).
      entries[entries.length - 1]![0][1],
    ];
    return node.runner;
  };
  const flatten = (result: Result<T>): Result<T> => {
    const entries = result[0] as unknown as [Entry, Params | ParamIndexMap][];
    if (entries.length < 2) return result;
    // Folded only if no handler before the last has parameters of its own.
    for (let i = 0; i < entries.length - 1; i++) for (const _ in entries[i]![1]) return result;
    const flat = [[runnerFor(entries), entries[entries.length - 1]![1]]] as unknown as Result<T>[0];
    return (result.length === 2 ? [flat, result[1]] : [flat]) as Result<T>;
  };
  // The last matches by method and path: most requests ask for a path asked
  // for a moment ago (a timeline, the instance, notifications), and a lookup
  // costs less than walking Hono's trie. Results are only read by Hono. Kept
  // by method, then by path: a key made of both was a new string to hash on
  // every request.
  const recent = new Map<string, Map<string, Result<T>>>();
  let cached = 0;
  return {
    name: "FlatRouter",
    add: (method, path, handler) => inner.add(method, path, handler),
    match(method, path) {
      if (path.length > MAX_CACHED_PATH) return flatten(inner.match(method, path));
      let byPath = recent.get(method);
      let result = byPath?.get(path);
      if (!result) {
        result = flatten(inner.match(method, path));
        if (cached >= MAX_CACHED) {
          recent.clear();
          cached = 0;
          byPath = undefined;
        }
        if (!byPath) recent.set(method, (byPath = new Map()));
        byPath.set(path, result);
        cached++;
      }
      return result;
    },
  };
}
