// Code on the request path returns a value where it can and a promise only
// where it must wait (src/http/flat-router.ts says why); this tells them apart.
export function isPromise<T>(value: unknown): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
