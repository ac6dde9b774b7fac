import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpuSchedulingOf, setCpuScheduling } from './cpu-scheduling';

const linux = process.platform === 'linux';

/** A Node process that starts one more thread (a worker) when it gets SIGUSR2, and says so. */
function startChild(): Promise<ChildProcess> {
  const script = `
    const { Worker } = require('node:worker_threads');
    process.on('SIGUSR2', () => {
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      worker.on('online', () => process.stdout.write('worker\\n'));
    });
    setInterval(() => {}, 1000);
    process.stdout.write('ready\\n');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return waitForLine(child, 'ready').then(() => child);
}

function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (seen.split('\n').includes(line)) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before "${line}"`)));
  });
}

function policies(pid: number): Array<string | null> {
  return readdirSync(`/proc/${pid}/task`).map((tid) => cpuSchedulingOf(pid, Number(tid)));
}

(linux ? describe : describe.skip)('setCpuScheduling', () => {
  let child: ChildProcess;

  beforeEach(async () => {
    child = await startChild();
  });

  afterEach(() => {
    child.kill('SIGKILL');
  });

  it('sets every thread of the process, and threads started later inherit the policy', async () => {
    const pid = child.pid ?? 0;
    expect(setCpuScheduling('batch', pid)).toBeNull();
    const threadsBefore = policies(pid);
    expect(threadsBefore.length).toBeGreaterThan(1);
    expect(threadsBefore.every((p) => p === 'batch')).toBe(true);

    const worker = waitForLine(child, 'worker');
    child.kill('SIGUSR2');
    await worker;
    const threadsAfter = policies(pid);
    expect(threadsAfter.length).toBeGreaterThan(threadsBefore.length);
    expect(threadsAfter.every((p) => p === 'batch')).toBe(true);
  });

  it('sets a process back to the default policy', () => {
    const pid = child.pid ?? 0;
    expect(setCpuScheduling('batch', pid)).toBeNull();
    expect(setCpuScheduling('normal', pid)).toBeNull();
    expect(policies(pid).every((p) => p === 'normal')).toBe(true);
  });

  it('answers why when the process cannot be set', () => {
    expect(setCpuScheduling('batch', 2 ** 22 + 1)).toMatch(/^chrt failed: /);
  });
});

(linux ? describe : describe.skip)('cpuSchedulingOf', () => {
  it('answers null for a process that does not exist', () => {
    expect(cpuSchedulingOf(2 ** 22 + 1)).toBeNull();
  });
});
