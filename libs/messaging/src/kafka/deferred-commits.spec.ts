import type { TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { DeferredCommits } from './deferred-commits';

const at = (partition: number, offset: number): TopicPartitionOffsetAndMetadata => ({ topic: 't', partition, offset: String(offset) });

describe('DeferredCommits', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function committer(fail: () => boolean = () => false) {
    const requests: TopicPartitionOffsetAndMetadata[][] = [];
    const errors: unknown[] = [];
    const commits = new DeferredCommits(
      async (offsets) => {
        if (fail()) throw new Error('rebalancing');
        requests.push(offsets);
      },
      1_000,
      (error) => errors.push(error),
    );
    return { commits, requests, errors };
  }

  it('commits the newest offset of every partition in one request, an interval after the first', async () => {
    const { commits, requests } = committer();
    commits.add(at(0, 5));
    commits.add(at(1, 3));
    commits.add(at(0, 9));
    commits.add(at(0, 7));
    await jest.advanceTimersByTimeAsync(999);
    expect(requests).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(requests).toEqual([[at(0, 9), at(1, 3)]]);
    expect(commits.size).toBe(0);
  });

  it('commits nothing when nothing was handled since the last commit', async () => {
    const { commits, requests } = committer();
    commits.add(at(0, 1));
    await commits.flush();
    await commits.flush();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(requests).toEqual([[at(0, 1)]]);
  });

  it('flushes at once, and the interval starts again with the next offset', async () => {
    const { commits, requests } = committer();
    commits.add(at(0, 1));
    await commits.flush();
    commits.add(at(0, 2));
    await jest.advanceTimersByTimeAsync(999);
    expect(requests).toEqual([[at(0, 1)]]);
    await jest.advanceTimersByTimeAsync(1);
    expect(requests).toEqual([[at(0, 1)], [at(0, 2)]]);
  });

  it('keeps the offsets of a failed commit for the next one, unless a newer offset arrived', async () => {
    let failing = true;
    const { commits, requests, errors } = committer(() => failing);
    commits.add(at(0, 4));
    commits.add(at(1, 4));
    await commits.flush();
    expect(errors).toHaveLength(1);
    commits.add(at(1, 8));
    failing = false;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(requests).toEqual([[at(0, 4), at(1, 8)]]);
  });

  it('drops what it holds when the member rejoins, failed commits included, and goes on taking offsets', async () => {
    let release: () => void = () => undefined;
    const requests: TopicPartitionOffsetAndMetadata[][] = [];
    const commits = new DeferredCommits(
      (offsets) =>
        new Promise<void>((_, reject) => {
          requests.push(offsets);
          release = () => reject(new Error('rebalancing'));
        }),
      1_000,
      () => undefined,
    );
    commits.add(at(0, 4));
    const flushing = commits.flush();
    await jest.advanceTimersByTimeAsync(0);
    expect(requests).toEqual([[at(0, 4)]]);
    commits.add(at(1, 2));
    commits.drop();
    release();
    await flushing;
    expect(commits.size).toBe(0);
    commits.add(at(2, 1));
    expect(commits.size).toBe(1);
    expect(requests).toEqual([[at(0, 4)]]);
  });

  it('takes nothing once closed', async () => {
    const { commits, requests } = committer();
    commits.add(at(0, 1));
    commits.close();
    commits.add(at(0, 2));
    await jest.advanceTimersByTimeAsync(2_000);
    await commits.flush();
    expect(requests).toEqual([]);
  });
});
