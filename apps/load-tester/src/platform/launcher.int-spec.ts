// Starting the platform as the load tester does, interrupted before it is ready: what was
// launched must stop with it (a run stopped by Ctrl-C or SIGTERM while the apps start would
// otherwise leave them running, in the next run's consumer groups). Needs the apps built.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { singleReplicaSettings, startPlatform } from './launcher';

/** The app processes this test process started that are still running. */
function runningApps(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[1]) === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('/dist/main.js');
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

describe('startPlatform', () => {
  it('hands over how to stop the apps before the first starts, and an interrupted start leaves none running', async () => {
    let stop: (() => Promise<void>) | undefined;
    // Nothing listens on port 1: the apps after the simulator could never become ready.
    const starting = startPlatform(
      singleReplicaSettings(
        { databaseUrl: 'postgres://sluice:sluice@127.0.0.1:1/none', redisUrl: 'redis://127.0.0.1:1', kafkaBrokers: '127.0.0.1:1' },
        mkdtempSync(join(tmpdir(), 'sluice-launcher-')),
      ),
      (handed) => {
        stop = handed;
      },
    );
    const outcome = starting.then(
      () => 'ready',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    for (let waited = 0; runningApps().length === 0 && waited < 30_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runningApps().length).toBeGreaterThan(0);
    expect(stop).toBeDefined();

    await stop?.();
    expect(await outcome).toMatch(/before it was ready|the platform is being stopped/);
    expect(runningApps()).toEqual([]);
  }, 60_000);
});
