// Claims due callbacks from Postgres and sends them with a bounded pool: per-destination
// limits and circuit breaking keep one bad endpoint to its own share, results are written
// back in batches (ResultWriter), and a retry is just a later `next_attempt_at`.
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OutboxRelay } from '@sluice/messaging';
import { BackoffPolicy, SupervisedLoop, Supervisor } from '@sluice/observability';
import { CallbackDeliveryRepository, CallbackDeliveryState, CallbackKind, ClaimedDelivery } from '@sluice/persistence';
import { AuthTokenVault } from './auth-token.vault';
import { AttemptOutcome, CallbackHttpClient } from './callback-http.client';
import { buildCallbackRequest, callbackParams } from './callback-request';
import { CALLBACK_CONFIG, CallbackConfig } from './callback.config';
import { CallbackMetrics } from './callback.metrics';
import { DeliveryUpkeep } from './delivery-upkeep';
import { DestinationGates, GateOutcome } from './destination-gates';
import { callbackAddressPolicy } from './destination-policy';
import { inboundParams } from './inbound/inbound-request';
import { inboundSettlement } from './inbound/inbound-settlement';
import { looksLikeXml } from './inbound/message-xml';
import { ReplyOutcome, ReplySender } from './inbound/reply-sender';
import { ResultWriter } from './result-writer';
import { AttemptKind, nextAfter } from './retry-policy';

/** Claims that fail (Postgres away) are retried soon, so callbacks resume quickly once it is back. */
const CLAIM_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 5_000, jitter: 0.2 };

@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly gates: DestinationGates;
  private readonly http: CallbackHttpClient;
  private readonly vault: AuthTokenVault;
  private readonly replies: ReplySender;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly results: ResultWriter;
  private running = false;
  private readonly claims: SupervisedLoop;
  private readonly upkeep: DeliveryUpkeep;
  private woken = false;
  /** The last claim was cut short by the pool's size: any freed slot may find work. */
  private poolBound = false;
  /** Destinations the last claim could take no more of: a freed slot there may find work. */
  private boundDestinations = new Set<string>();
  private interruptIdle: (() => void) | null = null;
  private readonly unsignedAccountsLogged = new Set<string>();

  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    private readonly deliveries: CallbackDeliveryRepository,
    private readonly metrics: CallbackMetrics,
    outbox: OutboxRelay,
    supervisor: Supervisor,
  ) {
    this.gates = new DestinationGates({
      concurrency: config.CALLBACK_DESTINATION_CONCURRENCY,
      failureThreshold: config.CALLBACK_BREAKER_FAILURES,
      cooldownMs: config.CALLBACK_BREAKER_COOLDOWN_MS,
    });
    this.http = new CallbackHttpClient(callbackAddressPolicy(config.CALLBACK_ALLOWED_HOSTS), {
      timeoutMs: config.CALLBACK_TIMEOUT_MS,
      maxResponseBytes: config.CALLBACK_MAX_RESPONSE_BYTES,
      socketsPerDestination: config.CALLBACK_DESTINATION_CONCURRENCY,
    });
    this.vault = new AuthTokenVault(config.ACCOUNT_TOKEN_KEY);
    this.replies = new ReplySender({
      gatewayUrl: config.GATEWAY_ADMIN_URL ?? null,
      adminToken: config.GATEWAY_ADMIN_TOKEN ?? null,
      timeoutMs: config.CALLBACK_TIMEOUT_MS,
    });
    this.claims = supervisor.loop('callback-claims', () => this.claimOnce(), { backoff: CLAIM_BACKOFF });
    this.upkeep = new DeliveryUpkeep(deliveries, metrics, this.gates, supervisor);
    // A finished status lets the next one of its message go.
    this.results = new ResultWriter(config, deliveries, metrics, outbox, () => this.wake());
  }

  onApplicationBootstrap(): void {
    if (!this.config.ACCOUNT_TOKEN_KEY) this.logger.warn('ACCOUNT_TOKEN_KEY is not set: callbacks are sent without X-Plivo-Signature-V3');
    this.running = true;
    this.claims.start();
    this.upkeep.start();
  }

  /** Stops claiming, lets attempts in flight end within the shutdown bound and writes their results; leases cover the rest. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake();
    await this.claims.stop();
    await this.upkeep.stop();
    await Promise.race([Promise.allSettled([...this.inFlight]), sleep(this.config.SHUTDOWN_TIMEOUT_MS)]);
    await this.results.settled();
    this.http.close();
  }

  /** New work may be due: an enqueue, a finished attempt, a delivery that unblocks the next status of its message. */
  wake(): void {
    this.woken = true;
    this.interruptIdle?.();
  }

  /** One claim and the start of its attempts; the supervisor runs it again and again, after a back-off when it throws. */
  private async claimOnce(): Promise<void> {
    this.woken = false;
    const free = this.config.CALLBACK_CONCURRENCY - this.inFlight.size;
    if (free <= 0) {
      this.poolBound = true;
      await this.idle();
      return;
    }
    const { excluded, limited } = this.gates.allowances();
    const claimed = await this.deliveries.claim({
      limit: free,
      excluded,
      limited,
      perDestination: this.config.CALLBACK_DESTINATION_CONCURRENCY,
      leaseMs: this.config.CALLBACK_LEASE_MS,
    });
    this.noteBounds(free, claimed, excluded, limited);
    for (const delivery of claimed) this.dispatch(delivery);
    if (claimed.length === 0) await this.idle();
  }

  /** Remembers what limited the claim, so that only a slot freed there wakes the loop. */
  private noteBounds(free: number, claimed: readonly ClaimedDelivery[], excluded: readonly string[], limited: ReadonlyMap<string, number>): void {
    this.poolBound = claimed.length === free;
    this.boundDestinations = new Set(excluded);
    const taken = new Map<string, number>();
    for (const { destination } of claimed) taken.set(destination, (taken.get(destination) ?? 0) + 1);
    for (const [destination, count] of taken) {
      if (count >= (limited.get(destination) ?? this.config.CALLBACK_DESTINATION_CONCURRENCY)) this.boundDestinations.add(destination);
    }
  }

  /** Waits for a wake-up or the poll interval, whichever comes first. */
  private async idle(): Promise<void> {
    if (this.woken || !this.running) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.config.CALLBACK_POLL_MS);
      this.interruptIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.interruptIdle = null;
  }

  private dispatch(delivery: ClaimedDelivery): void {
    if (this.gates.admit(delivery.destination) === 'reject') {
      this.record(delivery, new Date(), {
        kind: AttemptKind.CircuitOpen,
        httpStatus: null,
        latencyMs: 0,
        error: `not sent: the circuit for ${delivery.destination} is open after repeated failures`,
      });
      return;
    }
    const task = this.attempt(delivery)
      .catch((error: unknown) => this.logger.error({ err: error, messageUuid: delivery.messageUuid }, 'callback attempt crashed'))
      .finally(() => {
        this.inFlight.delete(task);
        this.metrics.inFlight.set(this.inFlight.size);
        if (this.poolBound || this.boundDestinations.has(delivery.destination)) this.wake();
      });
    this.inFlight.add(task);
    this.metrics.inFlight.set(this.inFlight.size);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const attemptedAt = new Date();
    const outcome = await this.send(delivery);
    const opened = this.gates.release(delivery.destination, breakerOutcome(outcome));
    if (opened) {
      this.logger.warn(
        { destination: delivery.destination, cooldownMs: this.config.CALLBACK_BREAKER_COOLDOWN_MS },
        'circuit opened: callbacks to this destination fail without being sent until a probe succeeds',
      );
    }
    if (delivery.kind === CallbackKind.Inbound && this.boundDestinations.has(delivery.destination)) {
      // The destination's slot is free while the replies go out through the gateway.
      this.wake();
    }
    this.record(delivery, attemptedAt, outcome, await this.reply(delivery, outcome));
  }

  /** An inbound message's Message URL may answer 2xx with Message XML: its messages are sent as the account. */
  private async reply(delivery: ClaimedDelivery, outcome: AttemptOutcome): Promise<ReplyOutcome | undefined> {
    if (delivery.kind !== CallbackKind.Inbound || outcome.kind !== AttemptKind.Success || outcome.body === undefined || !looksLikeXml(outcome.body)) return undefined;
    const reply = await this.replies.answer(delivery.accountId, outcome.body);
    this.metrics.replies.inc({ outcome: 'sent' }, reply.sent);
    this.metrics.replies.inc({ outcome: 'not_sent' }, reply.failed);
    if (reply.error) this.logger.warn({ messageUuid: delivery.messageUuid, replies: reply.messageUuids.length, error: reply.error }, 'Message XML answer not (entirely) sent');
    return reply;
  }

  private async send(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    let url: URL;
    try {
      url = new URL(delivery.url);
    } catch {
      return { kind: AttemptKind.Refused, httpStatus: null, latencyMs: 0, error: 'refused: the callback url is not a valid url' };
    }
    let params = callbackParams(delivery);
    if (delivery.kind === CallbackKind.Inbound) {
      const built = delivery.inbound ? inboundParams(delivery.messageUuid, delivery.inbound, delivery.contentKey) : { unreadable: 'what the request carries is gone' };
      if ('unreadable' in built) return { kind: AttemptKind.Refused, httpStatus: null, latencyMs: 0, error: `not sent: ${built.unreadable}` };
      params = built.params;
    }
    const signing = this.vault.tokenFor(delivery.accountId, delivery.authTokenEncrypted);
    if ('unsigned' in signing) this.noteUnsigned(delivery.accountId, signing.unsigned);
    const request = buildCallbackRequest(url, delivery.method, params, 'token' in signing ? signing.token : null);
    const outcome = await this.http.send({ ...request, readBody: delivery.kind === CallbackKind.Inbound });
    this.metrics.attemptDuration.observe(outcome.latencyMs);
    return outcome;
  }

  private record(delivery: ClaimedDelivery, attemptedAt: Date, outcome: AttemptOutcome, reply?: ReplyOutcome): void {
    const attempt = delivery.attempts + 1;
    const inbound = delivery.kind === CallbackKind.Inbound;
    const next = nextAfter(outcome.kind, attempt, delivery.retryDelaysMs, { clientErrorsFinal: inbound, httpStatus: outcome.httpStatus });
    const settle = inbound ? inboundSettlement(delivery.messageUuid, next) : undefined;
    this.metrics.attempts.inc({ outcome: outcome.kind });
    if (next.state !== CallbackDeliveryState.Pending) this.metrics.deliveries.inc({ state: next.state });
    if (next.state === CallbackDeliveryState.Delivered) this.metrics.eventToDelivered.observe(Date.now() - delivery.occurredAt.getTime());
    if (next.state === CallbackDeliveryState.Exhausted || next.state === CallbackDeliveryState.Refused) {
      this.logger.warn(
        { messageUuid: delivery.messageUuid, sequence: delivery.sequence, destination: delivery.destination, attempt, error: outcome.error, httpStatus: outcome.httpStatus },
        next.state === CallbackDeliveryState.Refused ? 'callback refused' : 'callback given up after its last retry',
      );
    } else if (outcome.kind !== AttemptKind.Success) {
      this.logger.debug({ messageUuid: delivery.messageUuid, sequence: delivery.sequence, attempt, error: outcome.error, httpStatus: outcome.httpStatus }, 'callback attempt failed');
    }
    this.results.add({
      id: delivery.id,
      claims: delivery.claims,
      attempt,
      attemptedAt,
      httpStatus: outcome.httpStatus,
      latencyMs: outcome.latencyMs,
      error: outcome.error,
      succeeded: outcome.kind === AttemptKind.Success,
      next,
      ...(reply ? { reply: { messageUuids: reply.messageUuids, error: reply.error } } : {}),
      ...(settle ? { settle } : {}),
    });
  }

  private noteUnsigned(accountId: string, reason: string): void {
    this.metrics.unsigned.inc({ reason });
    if (reason === 'no_key' || this.unsignedAccountsLogged.has(accountId) || this.unsignedAccountsLogged.size > 1_000) return;
    this.unsignedAccountsLogged.add(accountId);
    this.logger.warn(
      { accountId, reason },
      reason === 'undecryptable'
        ? 'the account token does not open with ACCOUNT_TOKEN_KEY: its callbacks go unsigned'
        : 'the account has no sealed token (created without ACCOUNT_TOKEN_KEY): its callbacks go unsigned',
    );
  }
}

/** Timeouts, connection failures, 5xx and 429 count against a destination; any other answer shows it alive. */
function breakerOutcome(outcome: AttemptOutcome): GateOutcome {
  switch (outcome.kind) {
    case AttemptKind.Success:
      return 'success';
    case AttemptKind.HttpError:
      return outcome.httpStatus !== null && (outcome.httpStatus >= 500 || outcome.httpStatus === 429) ? 'failure' : 'success';
    case AttemptKind.Timeout:
    case AttemptKind.NetworkError:
      return 'failure';
    case AttemptKind.Refused:
    case AttemptKind.CircuitOpen:
      return 'neutral';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
