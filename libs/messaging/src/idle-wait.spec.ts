import { IdleBackoff, IdleWait } from './idle-wait';

describe('IdleWait', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits the whole timeout when nothing wakes it', async () => {
    const idle = new IdleWait();
    let done = false;
    const waiting = idle.wait(1_000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
  });

  it('ends the wait under way on a wake-up', async () => {
    const idle = new IdleWait();
    let done = false;
    const waiting = idle.wait(1_000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(10);
    idle.wake();
    await waiting;
    expect(done).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps a wake-up that came while the loop was busy, until the loop looks again', async () => {
    const idle = new IdleWait();
    idle.looking();
    idle.wake();
    let done = false;
    await idle.wait(1_000).then(() => (done = true));
    expect(done).toBe(true);
    idle.looking();
    done = false;
    const waiting = idle.wait(1_000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(500);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(500);
    await waiting;
    expect(done).toBe(true);
  });
});

describe('IdleBackoff', () => {
  it('doubles the wait after each empty look, up to the most', () => {
    const backoff = new IdleBackoff(250, 2_000);
    expect([0, 1, 2, 3, 4, 5].map(() => backoff.next(0))).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000]);
  });

  it('starts again from the least once work is found', () => {
    const backoff = new IdleBackoff(250, 2_000);
    backoff.next(0);
    backoff.next(0);
    backoff.busy();
    expect(backoff.next(0)).toBe(250);
  });

  it('never waits past work known to fall due, and forgets it once it is due', () => {
    const backoff = new IdleBackoff(250, 2_000);
    [0, 1, 2].forEach(() => backoff.next(0));
    backoff.due(10_300);
    backoff.due(10_700);
    expect(backoff.next(10_000)).toBe(300);
    // Due now: the look at 10 300 found it or not; the back-off goes on as before.
    expect(backoff.next(10_300)).toBe(2_000);
  });
});
