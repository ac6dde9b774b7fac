// Gathers calls made while a batch is being written into the next batch, so many callers share one round trip.

export class Coalescer<I, O> {
  private readonly waiting: Array<{ input: I; resolve: (output: O) => void; reject: (error: unknown) => void }> = [];
  private running: Promise<void> | null = null;

  /**
   * @param write handles one batch and returns one output per input, in order.
   * @param maxBatch the most inputs one write receives.
   * @param lingerMs how long the first input waits for company when nothing is being written
   *   (0: only the callers of the same tick); inputs added during a write always wait for it.
   */
  constructor(
    private readonly write: (inputs: readonly I[]) => Promise<readonly O[]>,
    private readonly maxBatch = 500,
    private readonly lingerMs = 0,
  ) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.running ??= this.drain().finally(() => (this.running = null));
    });
  }

  /** Resolves when nothing is waiting or being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Let the callers of this tick (or of the linger) join the first batch.
    await new Promise((resolve) => (this.lingerMs > 0 ? setTimeout(resolve, this.lingerMs) : setImmediate(resolve)));
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
