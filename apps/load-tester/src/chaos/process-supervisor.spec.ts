import type { ChildProcess } from 'node:child_process';
import type { AppProcess, StartedPlatform } from '../platform/launcher';
import { ProcessSupervisor } from './process-supervisor';

/** A platform of fake processes: `exit(name, code)` ends the current one, `restart` starts a new one. */
function fakePlatform(names: readonly string[]) {
  const apps: AppProcess[] = [];
  const exits = new Map<AppProcess, (code: number | null) => void>();
  let pid = 100;
  const start = (name: string): AppProcess => {
    let resolve: (code: number | null) => void = () => undefined;
    const exited = new Promise<number | null>((r) => (resolve = r));
    pid += 1;
    const app: AppProcess = { app: name, name, port: 1, process: { pid } as ChildProcess, exited, logPath: `${name}.log` };
    exits.set(app, resolve);
    return app;
  };
  for (const name of names) apps.push(start(name));
  const restarted: string[] = [];
  const current = (name: string): AppProcess => {
    const app = apps.find((a) => a.name === name);
    if (!app) throw new Error(`no app ${name}`);
    return app;
  };
  const platform: StartedPlatform = {
    gatewayUrl: '',
    simulatorUrl: '',
    apps,
    kill: async (name) => exits.get(current(name))?.(null),
    restart: (name) => {
      restarted.push(name);
      const started = start(name);
      apps[apps.indexOf(current(name))] = started;
      return started;
    },
    stop: async () => undefined,
  };
  const exit = (name: string, code: number | null): void => exits.get(current(name))?.(code);
  return { platform, restarted, exit };
}

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProcessSupervisor', () => {
  it('starts again an app that exits by itself, and keeps watching the new process', async () => {
    const { platform, restarted, exit } = fakePlatform(['rate-governor', 'carrier-simulator']);
    const followed: number[] = [];
    const supervisor = new ProcessSupervisor(platform, new Set(['rate-governor']), (_, pid) => followed.push(pid), () => undefined, 1);
    supervisor.start();
    exit('rate-governor', 70);
    await tick();
    expect(restarted).toEqual(['rate-governor']);
    expect(supervisor.restarts).toEqual([{ t: expect.any(Number), app: 'rate-governor', code: 70 }]);
    expect(followed).toEqual([platform.apps[0]?.process.pid]);
    exit('rate-governor', 70);
    await tick();
    expect(restarted).toEqual(['rate-governor', 'rate-governor']);
    exit('carrier-simulator', 1);
    await tick();
    expect(restarted).toEqual(['rate-governor', 'rate-governor']);
  });

  it('leaves to a fault what the fault kills and restarts, then watches what it started', async () => {
    const { platform, restarted, exit } = fakePlatform(['carrier-dispatch']);
    const supervisor = new ProcessSupervisor(platform, new Set(['carrier-dispatch']), () => undefined, () => undefined, 1);
    supervisor.start();
    await supervisor.hold(['carrier-dispatch'], async () => {
      await platform.kill('carrier-dispatch');
      await tick();
      platform.restart('carrier-dispatch');
    });
    await tick();
    expect(restarted).toEqual(['carrier-dispatch']);
    expect(supervisor.restarts).toEqual([]);
    exit('carrier-dispatch', 70);
    await tick();
    expect(restarted).toEqual(['carrier-dispatch', 'carrier-dispatch']);
  });

  it('restarts nothing once stopped (the harness is stopping the platform)', async () => {
    const { platform, restarted, exit } = fakePlatform(['callback-service']);
    const supervisor = new ProcessSupervisor(platform, new Set(['callback-service']), () => undefined, () => undefined, 1);
    supervisor.start();
    supervisor.stop();
    exit('callback-service', 0);
    await tick();
    expect(restarted).toEqual([]);
  });
});
