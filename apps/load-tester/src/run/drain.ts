// The drain: until every accepted message is final and every callback owed has arrived, or the
// scenario's timeout; then a few seconds more for late (duplicate) callbacks.
import type { LoadGenerator } from '../load/open-model';
import type { CallbackReceiver } from '../receiver/callback-receiver';
import type { Scenario } from '../scenario/scenario';
import { FINAL_STATES, PlatformProbe } from '../verify/platform-probe';
import { sleep } from './common';
import type { PreparedLoad } from './load';
import type { ProgressReporter } from './progress';

export interface DrainOutcome {
  /** From the drain's start to the end of its settling, with a last backlog sample. */
  readonly seconds: number;
  readonly timedOut: boolean;
}

export async function drain(settings: Scenario['drain'], load: PreparedLoad, receiver: CallbackReceiver, progress: ProgressReporter): Promise<DrainOutcome> {
  progress.setStage('drain');
  const drainStart = Date.now();
  let timedOut = true;
  while (Date.now() - drainStart < settings.timeoutSeconds * 1_000) {
    if (await drained(load.probe, load.generator, receiver)) {
      timedOut = false;
      break;
    }
    await sleep(1_000);
  }
  await sleep(settings.settleSeconds * 1_000);
  await progress.probeBacklog();
  return { seconds: (Date.now() - drainStart) / 1_000, timedOut };
}

/** Nothing open, a row for every message sent, every callback owed in, and no request unanswered. */
async function drained(probe: PlatformProbe, generator: LoadGenerator, receiver: CallbackReceiver): Promise<boolean> {
  const { byState, callbacksOwed } = await probe.progress();
  const open = Object.entries(byState)
    .filter(([state]) => !FINAL_STATES.has(state))
    .reduce((n, [, c]) => n + c, 0);
  const rows = Object.values(byState).reduce((a, b) => a + b, 0);
  const callbacksIn = new Set(receiver.callbacks.map((c) => `${c.messageUuid}#${c.sequence}`)).size;
  return open === 0 && rows >= generator.messages.length && callbacksIn >= callbacksOwed && generator.inFlight === 0;
}
