import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every interval, never two runs at once, and logs a failed run', async () => {
    const warn = jest.fn();
    let finish: () => void = () => undefined;
    let runs = 0;
    const task = new PeriodicTask(
      'test task',
      100,
      () => {
        runs += 1;
        if (runs === 2) return Promise.reject(new Error('boom'));
        return new Promise<void>((resolve) => (finish = resolve));
      },
      { warn },
    );
    task.start();
    await jest.advanceTimersByTimeAsync(350);
    expect(runs).toBe(1); // the first run is still going
    finish();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toBe(2);
    await jest.advanceTimersByTimeAsync(0);
    expect(warn).toHaveBeenCalledWith({ err: expect.any(Error) }, 'test task failed; retrying next interval');
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toBe(3);
    const stopped = task.stop();
    finish();
    await stopped;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(3);
  });

  it('never runs with an interval of 0', async () => {
    let runs = 0;
    const task = new PeriodicTask('off', 0, async () => (runs += 1), { warn: jest.fn() });
    task.start();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(0);
    await task.stop();
  });
});
