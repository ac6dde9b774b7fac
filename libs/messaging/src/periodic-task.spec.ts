import { MetricsRegistry, ReadinessRegistry, Supervisor } from '@sluice/observability';
import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  let supervisor: Supervisor;
  let readiness: ReadinessRegistry;
  const warn = jest.fn();

  beforeEach(() => {
    jest.useFakeTimers();
    warn.mockReset();
    readiness = new ReadinessRegistry();
    supervisor = new Supervisor(readiness, new MetricsRegistry({ service: 'test', logLevel: 'silent' }), { consumerMaxDownMs: 0, loopMaxDownMs: 0 }, {
      random: () => 0.5,
      logger: { log: jest.fn(), warn, error: jest.fn(), fatal: jest.fn() },
    });
  });

  afterEach(() => {
    supervisor.beforeApplicationShutdown();
    jest.useRealTimers();
  });

  it('runs every interval, never two runs at once, and retries a failed run after a back-off', async () => {
    let finish: () => void = () => undefined;
    let runs = 0;
    const task = new PeriodicTask(
      'test-task',
      100,
      () => {
        runs += 1;
        if (runs === 2) return Promise.reject(new Error('boom'));
        return new Promise<void>((resolve) => (finish = resolve));
      },
      supervisor,
    );
    task.start();
    await jest.advanceTimersByTimeAsync(350);
    expect(runs).toBe(1); // the first run is still going
    finish();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toBe(2);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error), unit: 'loop test-task', attempt: 1, retryInMs: 1_000 }), 'loop test-task failed; retrying in 1000 ms');
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toBe(2); // waiting out the back-off, not the interval
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(3);
    expect(readiness.entries().map(([name]) => name)).toEqual(['loop:test-task']);
    const stopped = task.stop();
    finish();
    await stopped;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(3);
  });

  it('never runs with an interval of 0, and is not watched', async () => {
    let runs = 0;
    const task = new PeriodicTask('off', 0, async () => (runs += 1), supervisor);
    task.start();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(0);
    expect(readiness.entries()).toEqual([]);
    await task.stop();
  });
});
