// The cloud SDKs are loaded the first time a connector reaches its cloud, not when Ferry starts:
// together they are about a quarter of an idle process's memory, and a server may never reach some
// of those clouds. They are CommonJS packages, so require() gives them synchronously (open() and the
// clients it makes stay synchronous) and gives the very instance an import would (their error
// classes still compare with instanceof).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The package `name`, loaded by the first call. */
export function loadLater<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
