// Open-model load: requests leave on a fixed schedule whatever the answers do, over keep-alive
// connections (undici). Latency is measured from each request's scheduled time, so a stalled
// server shows as latency rather than as a slower arrival rate (no coordinated omission).
import { Pool } from 'undici';
import { LogHistogram } from '../measure/histogram';
import type { CarrierKey, PhaseSpec } from '../scenario/scenario';
import type { PlannedSend, TrafficPlan } from '../scenario/traffic-plan';

/** Wall-clock epoch milliseconds with sub-millisecond resolution. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** One accepted message, as the client saw it. */
export interface SentMessage {
  readonly uuid: string;
  readonly group: number;
  readonly authId: string;
  readonly src: string;
  readonly dst: string;
  readonly carrier: CarrierKey;
  readonly units: number;
  readonly expirySeconds: number | null;
  readonly callback: boolean;
  readonly phase: number;
  /** Epoch ms the request was due to leave. */
  readonly scheduledAt: number;
  /** Epoch ms the 202 arrived. */
  readonly acceptedAt: number;
}

export interface PhaseResult {
  readonly index: number;
  readonly name: string;
  readonly targetRate: number;
  readonly startedAt: number;
  /** From the phase's start to its last answer. */
  readonly seconds: number;
  readonly scheduled: number;
  readonly accepted: number;
  readonly acceptedMessages: number;
  readonly acceptedPerSecond: number;
  readonly http: LogHistogram;
  readonly outcomes: Record<string, number>;
}

/** Per second of the run: requests due, answered 202, answered otherwise. */
export interface LoadSecond {
  readonly t: number;
  sent: number;
  accepted: number;
  failed: number;
}

export class LoadGenerator {
  readonly messages: SentMessage[] = [];
  readonly http = new LogHistogram();
  readonly outcomes: Record<string, number> = {};
  readonly timeline: LoadSecond[] = [];
  inFlight = 0;
  sent = 0;
  accepted = 0;
  failed = 0;
  /** 202s whose message_uuid list did not match the destinations sent. */
  mismatched = 0;
  private readonly pool: Pool;
  private timelineStart = NaN;

  constructor(
    gatewayUrl: string,
    private readonly plan: TrafficPlan,
    private readonly options: { readonly connections: number; readonly timeoutMs: number; readonly maxInFlight: number },
  ) {
    this.pool = new Pool(gatewayUrl, { connections: options.connections, pipelining: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async runPhase(phase: PhaseSpec, index: number): Promise<PhaseResult> {
    const total = Math.max(1, Math.round(phase.rate * phase.seconds));
    const histogram = new LogHistogram();
    const outcomes: Record<string, number> = {};
    let accepted = 0;
    let acceptedMessages = 0;
    let completed = 0;
    let issued = 0;
    let lastAnswer = 0;
    const start = performance.now();
    const startedAt = performance.timeOrigin + start;
    if (Number.isNaN(this.timelineStart)) this.timelineStart = startedAt;

    await new Promise<void>((done) => {
      const finish = (outcome: string): void => {
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
        completed += 1;
        lastAnswer = performance.now();
        if (completed === total) done();
      };
      const fire = (scheduled: number): void => {
        const second = this.second(performance.timeOrigin + scheduled);
        second.sent += 1;
        this.sent += 1;
        if (this.inFlight >= this.options.maxInFlight) {
          second.failed += 1;
          this.failed += 1;
          finish('not_sent');
          return;
        }
        const send = this.plan.next();
        this.inFlight += 1;
        this.request(send)
          .then(({ status, uuids }) => {
            const now = performance.now();
            if (status === 202 && uuids) {
              const latency = now - scheduled;
              histogram.record(latency);
              this.http.record(latency);
              accepted += 1;
              this.accepted += 1;
              acceptedMessages += uuids.length;
              this.second(performance.timeOrigin + now).accepted += 1;
              this.remember(send, uuids, index, performance.timeOrigin + scheduled, performance.timeOrigin + now);
              finish('202');
            } else {
              this.failed += 1;
              this.second(performance.timeOrigin + now).failed += 1;
              finish(String(status));
            }
          })
          .finally(() => {
            this.inFlight -= 1;
          });
      };
      const tick = (): void => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1_000) * phase.rate) + 1);
        while (issued < due) {
          fire(start + (issued / phase.rate) * 1_000);
          issued += 1;
        }
        if (issued < total) setTimeout(tick, 1);
      };
      tick();
    });

    const seconds = Math.max(phase.seconds, (lastAnswer - start) / 1_000);
    return {
      index,
      name: phase.name ?? `${phase.rate}/s`,
      targetRate: phase.rate,
      startedAt,
      seconds,
      scheduled: total,
      accepted,
      acceptedMessages,
      acceptedPerSecond: accepted / seconds,
      http: histogram,
      outcomes,
    };
  }

  private second(at: number): LoadSecond {
    const i = Math.max(0, Math.floor((at - this.timelineStart) / 1_000));
    while (this.timeline.length <= i) this.timeline.push({ t: this.timelineStart + this.timeline.length * 1_000, sent: 0, accepted: 0, failed: 0 });
    return this.timeline[i];
  }

  private remember(send: PlannedSend, uuids: readonly string[], phase: number, scheduledAt: number, acceptedAt: number): void {
    if (uuids.length !== send.destinations.length) {
      this.mismatched += 1;
      return;
    }
    uuids.forEach((uuid, i) => {
      const destination = send.destinations[i];
      this.messages.push({
        uuid: uuid.toLowerCase(),
        group: send.account.groupIndex,
        authId: send.account.authId,
        src: send.src,
        dst: destination.number,
        carrier: destination.carrier,
        units: send.units,
        expirySeconds: send.expirySeconds,
        callback: send.callback,
        phase,
        scheduledAt,
        acceptedAt,
      });
    });
  }

  /** Answers the HTTP status, or `timeout` / `error:<code>` when there was none. */
  private async request(send: PlannedSend): Promise<{ status: number | string; uuids: string[] | null }> {
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: `/v1/Account/${send.account.authId}/Message/`,
        headers: { authorization: send.account.authorization, 'content-type': 'application/json' },
        body: send.body,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      if (response.statusCode !== 202) {
        await response.body.dump();
        return { status: response.statusCode, uuids: null };
      }
      const answer = (await response.body.json()) as { message_uuid?: unknown };
      const uuids = Array.isArray(answer.message_uuid) ? answer.message_uuid.filter((u): u is string => typeof u === 'string') : null;
      return { status: 202, uuids };
    } catch (error: unknown) {
      const code = (error as { code?: string }).code ?? 'unknown';
      return { status: /TIMEOUT/.test(code) ? 'timeout' : `error:${code}`, uuids: null };
    }
  }
}
