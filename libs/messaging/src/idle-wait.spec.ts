import { IdleWait } from './idle-wait';

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
