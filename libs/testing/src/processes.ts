// Starts built Sluice apps as real child processes for tests, with their logs in tmp/test-logs.
import { AppProcess, startAppProcess, WORKSPACE_ROOT } from '@sluice/processes';
import { join } from 'node:path';

export { freePort, stopApp, waitUntilReady } from '@sluice/processes';
export type RunningApp = AppProcess;

/** Runs `node apps/<name>/dist/main.js` with the given environment; output goes to tmp/test-logs/<name>.log. */
export function startApp(name: string, port: number, env: Record<string, string>): RunningApp {
  return startAppProcess({ app: name, port, env: { LOG_LEVEL: 'info', ...env }, logDir: join(WORKSPACE_ROOT, 'tmp', 'test-logs') });
}

/**
 * Polls until `probe` returns a value other than undefined. On a time-out, `explain` (when given)
 * says what was seen instead, so the failure names the state the test was stuck in.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  const seen = explain ? `; seen instead: ${await explain().catch((error: unknown) => `(could not tell: ${String(error)})`)}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
}
