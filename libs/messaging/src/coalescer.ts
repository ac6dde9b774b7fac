// Gathers calls made while a batch is being written into the next batch, so many callers share one round trip.

export class Coalescer<I, O> {
  private readonly waiting: Array<{ input: I; resolve: (output: O) => void; reject: (error: unknown) => void }> = [];
  private running: Promise<void> | null = null;
  /** Ends the linger under way, if one is. */
  private endLinger: (() => void) | null = null;

  /**
   * @param write handles one batch and returns one output per input, in order.
   * @param maxBatch the most inputs one write receives.
   * @param lingerMs how long the first input waits for company when nothing is being written
   *   (0: only the callers of the same tick); inputs added during a write always wait for it.
   * @param lingerInputs the linger ends as soon as this many inputs wait (at most `maxBatch`):
   *   under load a batch fills long before the linger would end.
   */
  constructor(
    private readonly write: (inputs: readonly I[]) => Promise<readonly O[]>,
    private readonly maxBatch = 500,
    private readonly lingerMs = 0,
    private readonly lingerInputs = maxBatch,
  ) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.running ??= this.drain().finally(() => (this.running = null));
      if (this.endLinger && this.waiting.length >= Math.min(this.lingerInputs, this.maxBatch)) this.endLinger();
    });
  }

  /** Resolves when nothing is waiting or being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Let the callers of this tick (or of the linger) join the first batch.
    await (this.lingerMs > 0 ? this.linger() : new Promise((resolve) => setImmediate(resolve)));
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const outputs = await this.write(batch.map((b) => b.input));
        batch.forEach((b, i) => b.resolve(outputs[i] as O));
      } catch (error: unknown) {
        for (const b of batch) b.reject(error);
      }
    }
  }

  /** Waits `lingerMs`, or less when enough inputs arrive meanwhile (`lingerInputs`). */
  private linger(): Promise<void> {
    return new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.endLinger = null;
        resolve();
      };
      const timer = setTimeout(end, this.lingerMs);
      this.endLinger = end;
    });
  }
}

/**
 * Batches handed over while a write is under way are written together in the next one. When
 * that write fails, each batch is written on its own, so only a batch that fails by itself
 * rejects: one bad batch never holds back the others it was merged with.
 */
export class MergedWrites<T> {
  private readonly coalescer: Coalescer<readonly T[], { readonly failed: unknown } | null>;

  constructor(write: (items: readonly T[]) => Promise<void>, maxBatches = 500) {
    this.coalescer = new Coalescer(async (batches) => {
      try {
        await write(batches.flat());
        return batches.map(() => null);
      } catch (error: unknown) {
        if (batches.length === 1) return [{ failed: error }];
        return Promise.all(batches.map((batch) => write(batch).then(() => null, (failed: unknown) => ({ failed }))));
      }
    }, maxBatches);
  }

  async add(batch: readonly T[]): Promise<void> {
    const outcome = await this.coalescer.add(batch);
    if (outcome) throw outcome.failed;
  }
}
