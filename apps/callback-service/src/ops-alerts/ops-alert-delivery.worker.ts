// Delivers recorded alerts to ALERT_WEBHOOK_URL: claims due rows from Postgres (any replica),
// posts them signed, and retries on the ALERT_RETRY_DELAYS_MS schedule; a retry is just a
// later `next_attempt_at`, so a restart loses nothing.
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AddressPolicy } from '@sluice/net-policy';
import { SupervisedLoop, Supervisor } from '@sluice/observability';
import { ClaimedOpsAlert, OpsAlertNext, OpsAlertRepository, OpsAlertState } from '@sluice/persistence';
import { AttemptOutcome, CallbackHttpClient } from '../callback-http.client';
import { CALLBACK_CONFIG, CallbackConfig } from '../callback.config';
import { AttemptKind } from '../retry-policy';
import { buildOpsAlertRequest } from './ops-alert-request';
import { OpsAlertMetrics, OpsAlertOutcome } from './ops-alert.metrics';

/** Alerts are few; a handful in flight at once is plenty for one webhook. */
const CLAIM_BATCH = 8;
const IDLE_POLL_MS = 1_000;
/** A claim outlives the attempt by this much before another replica may take the alert over. */
const LEASE_MARGIN_MS = 5_000;

/** What becomes of an alert after attempt number `attempt` (1 for the first). A refusal is final. */
export function nextAfterAlertAttempt(kind: AttemptKind, attempt: number, retryDelaysMs: readonly number[]): OpsAlertNext {
  if (kind === AttemptKind.Success) return { state: OpsAlertState.Delivered };
  if (kind === AttemptKind.Refused) return { state: OpsAlertState.Failed };
  const delayMs = retryDelaysMs[attempt - 1];
  return delayMs === undefined ? { state: OpsAlertState.Failed } : { state: OpsAlertState.Pending, delayMs };
}

@Injectable()
export class OpsAlertDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OpsAlertDeliveryWorker.name);
  private readonly target: { url: URL; secret: string } | null;
  private readonly http: CallbackHttpClient | null;
  private readonly pollMs: number;
  private running = false;
  private claims: SupervisedLoop | null = null;
  private woken = false;
  private interruptIdle: (() => void) | null = null;

  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    private readonly alerts: OpsAlertRepository,
    private readonly metrics: OpsAlertMetrics,
    private readonly supervisor: Supervisor,
  ) {
    const { ALERT_WEBHOOK_URL: url, ALERT_WEBHOOK_SECRET: secret } = config;
    this.target = url !== undefined && secret !== undefined ? { url: new URL(url), secret } : null;
    this.http = this.target
      ? new CallbackHttpClient(new AddressPolicy(config.ALERT_ALLOWED_HOSTS, { allowSetting: 'ALERT_ALLOWED_HOSTS' }), {
          timeoutMs: config.ALERT_TIMEOUT_MS,
          maxResponseBytes: 16 * 1024,
          socketsPerDestination: CLAIM_BATCH,
        })
      : null;
    // A short retry schedule (tests, impatient operators) is honoured without waiting for the idle poll.
    this.pollMs = Math.min(IDLE_POLL_MS, ...config.ALERT_RETRY_DELAYS_MS);
  }

  onApplicationBootstrap(): void {
    if (!this.target) {
      this.logger.warn('ALERT_WEBHOOK_URL is not set: ops alerts are recorded, counted and logged, not delivered');
      return;
    }
    this.running = true;
    this.claims = this.supervisor.loop('ops-alert-claims', () => this.claimOnce());
    this.claims.start();
  }

  /** Stops claiming and lets the attempts in flight finish (each is bounded by ALERT_TIMEOUT_MS); a lease covers the rest. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake();
    await this.claims?.stop();
    this.http?.close();
  }

  /** New alerts were recorded. */
  wake(): void {
    this.woken = true;
    this.interruptIdle?.();
  }

  /** One claim and its attempts; the supervisor runs it again and again, after a back-off when it throws. */
  private async claimOnce(): Promise<void> {
    this.woken = false;
    const claimed = await this.alerts.claim(CLAIM_BATCH, this.config.ALERT_TIMEOUT_MS + LEASE_MARGIN_MS);
    await Promise.all(claimed.map((alert) => this.deliver(alert)));
    if (claimed.length < CLAIM_BATCH) await this.idle();
  }

  private async deliver(alert: ClaimedOpsAlert): Promise<void> {
    const { target, http } = this;
    if (!target || !http) return;
    const outcome = await http.send(buildOpsAlertRequest(target.url, target.secret, alert, Date.now()));
    const attempt = alert.attempts + 1;
    const next = nextAfterAlertAttempt(outcome.kind, attempt, this.config.ALERT_RETRY_DELAYS_MS);
    const error = outcome.kind === AttemptKind.Success ? null : describeFailure(outcome);
    const applied = await this.alerts.recordAttempt({ alertId: alert.alertId, claims: alert.claims, error, next });
    if (!applied) return;
    const fields = { alertId: alert.alertId, kind: alert.kind, accountId: alert.accountId, attempt, httpStatus: outcome.httpStatus };
    if (next.state === OpsAlertState.Pending) {
      this.logger.warn({ ...fields, error, retryInMs: next.delayMs }, 'ops alert delivery failed; will retry');
    } else if (next.state === OpsAlertState.Delivered) {
      this.metrics.alerts.inc({ kind: alert.kind, outcome: OpsAlertOutcome.Delivered });
      this.logger.log(fields, 'ops alert delivered');
    } else {
      this.metrics.alerts.inc({ kind: alert.kind, outcome: OpsAlertOutcome.Failed });
      this.logger.error({ ...fields, error }, 'ops alert not delivered: no attempts left');
    }
  }

  private async idle(): Promise<void> {
    if (this.woken || !this.running) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interruptIdle = null;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.interruptIdle = done;
    });
  }
}

function describeFailure(outcome: AttemptOutcome): string {
  if (outcome.error) return outcome.error;
  return outcome.httpStatus !== null ? `HTTP ${outcome.httpStatus}` : outcome.kind;
}
