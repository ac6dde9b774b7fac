// Waits until a moment on `preciseNowMs`'s clock, to a fraction of a millisecond rather than a timer's whole ones.
import { preciseNowMs } from './precise-clock';

/**
 * How close to its moment a wait stops relying on a timer. Node's timers count whole
 * milliseconds on a loop time read at the start of each turn of the event loop, so one fires
 * up to about a millisecond after its moment by a finer clock (or a little before, which
 * then needs another timer). The last stretch is watched on every turn of the loop instead,
 * I/O going on meanwhile.
 */
export const PRECISE_WAIT_WATCH_MS = 1;

interface Watched {
  readonly at: number;
  readonly resolve: () => void;
}

/** The waits in their last stretch, earliest first, watched together by one check per turn of the event loop. */
const watched: Watched[] = [];
let watching = false;

function check(): void {
  const now = preciseNowMs();
  let due = 0;
  while (due < watched.length && (watched[due]?.at ?? Infinity) <= now) due += 1;
  for (const wait of watched.splice(0, due)) wait.resolve();
  watching = watched.length > 0;
  if (watching) setImmediate(check);
}

function watch(wait: Watched): void {
  let i = watched.length;
  while (i > 0 && (watched[i - 1]?.at ?? -Infinity) > wait.at) i -= 1;
  watched.splice(i, 0, wait);
  if (!watching) {
    watching = true;
    setImmediate(check);
  }
}

/**
 * Resolves once `preciseNowMs()` reads `localMs` or later, on the first turn of the event loop
 * after that moment: a timer brings it within `PRECISE_WAIT_WATCH_MS`, then the clock is read
 * on every turn (the waits watched resolve in the order of their moments). A chained hand-off
 * (one a window after the carrier's answer to another) waits this way, since every millisecond
 * it is late is carried by each later link of its chain.
 */
export async function waitUntilPrecisely(localMs: number): Promise<void> {
  for (let left = localMs - preciseNowMs(); left > PRECISE_WAIT_WATCH_MS; left = localMs - preciseNowMs()) {
    await new Promise((resolve) => setTimeout(resolve, left - PRECISE_WAIT_WATCH_MS));
  }
  // Past already: at once, unless earlier moments are still watched (they go first).
  if (preciseNowMs() >= localMs && watched.length === 0) return;
  await new Promise<void>((resolve) => watch({ at: localMs, resolve }));
}
