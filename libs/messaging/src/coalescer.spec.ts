import { Coalescer, MergedWrites } from './coalescer';

describe('Coalescer', () => {
  it('writes calls of one tick together and returns each its own output', async () => {
    const batches: number[][] = [];
    const coalescer = new Coalescer<number, number>(async (inputs) => {
      batches.push([...inputs]);
      return inputs.map((i) => i * 2);
    });
    const outputs = await Promise.all([1, 2, 3].map((i) => coalescer.add(i)));
    expect(outputs).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('gathers calls made during a write into the next write, within the batch limit', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const coalescer = new Coalescer<number, number>(async (inputs) => {
      batches.push([...inputs]);
      if (batches.length === 1) await gate;
      return inputs;
    }, 2);
    const first = coalescer.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((i) => coalescer.add(i));
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });

  it('with a linger, holds the first call until the linger ends and writes what came meanwhile with it', async () => {
    jest.useFakeTimers();
    try {
      const batches: number[][] = [];
      const coalescer = new Coalescer<number, number>(async (inputs) => (batches.push([...inputs]), inputs), 500, 10);
      const first = coalescer.add(1);
      await jest.advanceTimersByTimeAsync(9);
      expect(batches).toEqual([]);
      const second = coalescer.add(2);
      await jest.advanceTimersByTimeAsync(1);
      await Promise.all([first, second]);
      expect(batches).toEqual([[1, 2]]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ends the linger as soon as lingerInputs calls wait, and lingers in full again for the next batch', async () => {
    jest.useFakeTimers();
    try {
      const batches: number[][] = [];
      const coalescer = new Coalescer<number, number>(async (inputs) => (batches.push([...inputs]), inputs), 500, 1_000, 3);
      const full = [1, 2, 3].map((i) => coalescer.add(i));
      await jest.advanceTimersByTimeAsync(0);
      await Promise.all(full);
      expect(batches).toEqual([[1, 2, 3]]);
      const alone = coalescer.add(4);
      await jest.advanceTimersByTimeAsync(999);
      expect(batches).toEqual([[1, 2, 3]]);
      await jest.advanceTimersByTimeAsync(1);
      await alone;
      expect(batches).toEqual([[1, 2, 3], [4]]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects every caller of a failed write and goes on with the next', async () => {
    let calls = 0;
    const coalescer = new Coalescer<number, number>(async (inputs) => {
      calls += 1;
      if (calls === 1) throw new Error('down');
      return inputs;
    });
    await expect(Promise.all([coalescer.add(1), coalescer.add(2)])).rejects.toThrow('down');
    await expect(coalescer.add(3)).resolves.toBe(3);
  });
});

describe('MergedWrites', () => {
  it('writes batches handed over together as one write', async () => {
    const writes: number[][] = [];
    const merged = new MergedWrites<number>(async (items) => {
      writes.push([...items]);
    });
    await Promise.all([merged.add([1, 2]), merged.add([3]), merged.add([4, 5])]);
    expect(writes).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('when the merged write fails, writes each batch alone and rejects only the batch that fails by itself', async () => {
    const writes: number[][] = [];
    const merged = new MergedWrites<number>(async (items) => {
      writes.push([...items]);
      if (items.includes(13)) throw new Error('cannot write 13');
    });
    const outcomes = await Promise.allSettled([merged.add([1, 2]), merged.add([13]), merged.add([4])]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('cannot write 13'));
    expect(writes).toEqual([[1, 2, 13, 4], [1, 2], [13], [4]]);
  });

  it('rejects a batch written alone without writing it twice', async () => {
    let calls = 0;
    const merged = new MergedWrites<number>(async () => {
      calls += 1;
      throw new Error('down');
    });
    await expect(merged.add([1])).rejects.toThrow('down');
    expect(calls).toBe(1);
  });
});
