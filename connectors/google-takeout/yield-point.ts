// Long loops over an archive's entries share the process with the API: a part may list hundreds
// of thousands of entries, and a loop that never lets go holds up every request (GET /healthz
// included) until it ends. Such loops call a yielder's tick() per entry; every few milliseconds of
// work it lets the event loop run.
import { setImmediate } from 'node:timers/promises';

/** Work between two yields, in ms: well under what a person notices as a slow answer. */
const SLICE_MS = 10;

export function yielder(): { tick(): Promise<void> | undefined } {
  let since = performance.now();
  let calls = 0;
  return {
    tick() {
      // Reading the clock costs little, but not nothing: look at it every 64 calls.
      if ((++calls & 63) !== 0 || performance.now() - since < SLICE_MS) return undefined;
      return setImmediate().then(() => {
        since = performance.now();
      });
    },
  };
}
