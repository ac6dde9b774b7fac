// Progress while the load runs: the load counters every second, the backlog from Postgres every
// two; the backlog samples are kept for the report's timeline.
import type { LoadGenerator } from '../load/open-model';
import type { CallbackReceiver } from '../receiver/callback-receiver';
import type { BacklogSample } from '../report/result';
import { FINAL_STATES, PlatformProbe } from '../verify/platform-probe';
import { fmt } from './common';
import type { RunOptions } from './options';

export interface ProgressSources {
  readonly generator: LoadGenerator;
  readonly receiver: CallbackReceiver;
  readonly probe: PlatformProbe;
  /** Epoch ms the load began; the progress line counts seconds from it. */
  readonly runStart: number;
  readonly mode: RunOptions['progress'];
  readonly log: (line: string) => void;
}

export class ProgressReporter {
  /** Every backlog sample taken, oldest first. */
  readonly backlog: BacklogSample[] = [];
  private stage = 'load';
  private activity: string | null = null;
  private lastProbe = 0;
  private probing = false;
  private lastAccepted = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly sources: ProgressSources) {}

  /** Ticks every second from now on, without keeping the process alive. */
  start(): void {
    this.timer = setInterval(() => this.tick(), 1_000);
    this.timer.unref();
  }

  /** Stops the ticks. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Stops the ticks and ends the rewritten line. */
  close(): void {
    this.stop();
    if (this.sources.mode === 'tty') process.stderr.write('\n');
  }

  /** What the run is doing, e.g. `drain`. */
  setStage(stage: string): void {
    this.stage = stage;
  }

  /** Shown after the stage; null clears it. */
  setActivity(label: string | null): void {
    this.activity = label;
  }

  /** Asks Postgres for the messages by state and keeps the sample. */
  async probeBacklog(): Promise<BacklogSample> {
    const byState = await this.sources.probe.states();
    const sample = {
      t: Date.now(),
      queued: byState['queued'] ?? 0,
      sent: byState['sent'] ?? 0,
      final: [...FINAL_STATES].reduce((n, s) => n + (byState[s] ?? 0), 0),
      callbacks: this.sources.receiver.callbacks.length,
    };
    this.backlog.push(sample);
    return sample;
  }

  private tick(): void {
    const { generator, receiver, runStart, mode, log } = this.sources;
    const now = Date.now();
    if (!this.probing && now - this.lastProbe >= 2_000) {
      this.probing = true;
      this.lastProbe = now;
      this.probeBacklog()
        .catch(() => undefined)
        .finally(() => {
          this.probing = false;
        });
    }
    const b = this.backlog[this.backlog.length - 1];
    const rate = generator.accepted - this.lastAccepted;
    this.lastAccepted = generator.accepted;
    const line =
      `[${((now - runStart) / 1_000).toFixed(0).padStart(4)}s] ${this.stage}${this.activity ? ` | ${this.activity}` : ''} | sent ${fmt(generator.sent)} accepted ${fmt(generator.accepted)} (${fmt(rate)}/s) ` +
      `failed ${fmt(generator.failed)} in flight ${fmt(generator.inFlight)} p99 ${fmt(generator.http.percentile(99))} ms` +
      (b ? ` | queued ${fmt(b.queued)} at carrier ${fmt(b.sent)} final ${fmt(b.final)} | callbacks ${fmt(receiver.callbacks.length)}` : '');
    if (mode === 'tty') process.stderr.write(`\r${line.padEnd(150).slice(0, 200)}`);
    else if (mode === 'lines' && Math.floor((now - runStart) / 1_000) % 5 === 0) log(line);
  }
}
