// Claims due callbacks from Postgres and sends them with a bounded pool: per-destination
// limits and circuit breaking keep one bad endpoint to its own share, results are written
// back in batches (ResultWriter), and a retry is just a later `next_attempt_at`.
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { IdleBackoff, IdleWait, OutboxRelay } from '@sluice/messaging';
import { BackoffPolicy, SupervisedLoop, Supervisor } from '@sluice/observability';
import { CallbackDeliveryRepository, CallbackDeliveryState, CallbackKind, ClaimCapacity, ClaimedDelivery, DeliveryResult } from '@sluice/persistence';
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
import { Lease } from './lease';
import { ResultWriter } from './result-writer';
import { AttemptKind, nextAfter } from './retry-policy';

/** Claims that fail (Postgres away) are retried soon, so callbacks resume quickly once it is back. */
const CLAIM_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 5_000, jitter: 0.2 };
/** Leases take at most this many times a destination's connections (see `leaseDepth`). */
/** A retry scheduled here is looked for this long after its delay from the attempt, by when its row is written. */
const RETRY_LOOK_MARGIN_MS = 100;
const MAX_LEASE_DEPTH = 4;
/**
 * The feed leases at most this many times CALLBACK_CONCURRENCY callbacks not yet answered
 * (each destination within what it answers during the hold). Under load the batches that
 * arrive during one write's hold go together into the next, a few thousand statuses at
 * 1,000 messages a second: a smaller pool sent the rest of each to rows for the claims.
 */
const FEED_LEASE_FACTOR = 64;

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
  /** The claims' wait when there is nothing to claim, cut short by `wake`. */
  private readonly idleWait = new IdleWait();
  /** How long that wait is: CALLBACK_POLL_MS, doubling while claims find nothing, up to CALLBACK_IDLE_POLL_MS, never past a retry scheduled here. */
  private readonly idleBackoff: IdleBackoff;
  /** The last claim was cut short by the pool's size: any freed slot may find work. */
  private poolBound = false;
  /** Destinations the last claim could take no more of: a freed slot there may find work. */
  private boundDestinations = new Set<string>();
  /** Per message, its latest status leased here: what became of it. */
  private readonly chains = new Map<string, { readonly key: string; readonly state: Promise<CallbackDeliveryState> }>();
  /** Deliveries leased here whose result is not written yet, by `Lease.key`: pending in Postgres (or without a row), but no bar to their successors leased here. */
  private readonly unwritten = new Map<string, Lease>();
  /** The row ids of those that have a row (claimed, or given one by `hold`), by `Lease.key`: what a lease passes as `leasedHere`. */
  private readonly unwrittenRows = new Map<string, string>();
  /** The lease under way (see `lease`). */
  private leasing: Promise<unknown> = Promise.resolve();
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
      maxConcurrency: config.CALLBACK_DESTINATION_MAX_CONCURRENCY,
      failureThreshold: config.CALLBACK_BREAKER_FAILURES,
      cooldownMs: config.CALLBACK_BREAKER_COOLDOWN_MS,
    });
    this.http = new CallbackHttpClient(callbackAddressPolicy(config.CALLBACK_ALLOWED_HOSTS), {
      timeoutMs: config.CALLBACK_TIMEOUT_MS,
      maxResponseBytes: config.CALLBACK_MAX_RESPONSE_BYTES,
      socketsPerDestination: config.CALLBACK_DESTINATION_MAX_CONCURRENCY,
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
    this.results = new ResultWriter(config, deliveries, metrics, outbox, () => this.wake(), (keys) => this.written(keys));
    this.idleBackoff = new IdleBackoff(config.CALLBACK_POLL_MS, config.CALLBACK_IDLE_POLL_MS);
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
    this.idleBackoff.busy();
    this.idleWait.wake();
  }

  /**
   * Runs `take` with what this replica can take on now (the pool's free slots and each
   * destination's room) and starts the attempts of the deliveries it leased. One lease at a
   * time, claims and feed batches alike, so two of them never book the same free slot.
   * Answers what `take` took and the leases of the deliveries it leased without a row.
   */
  async lease<T>(
    take: (capacity: ClaimCapacity) => Promise<T>,
    leased: (taken: T) => readonly ClaimedDelivery[],
    depth = 1,
    holdMs = 0,
  ): Promise<{ taken: T; fresh: Lease[] }> {
    const turn = this.leasing.then(async () => {
      // The leases `take` may lease successors of (`leasedHere`), as they are when it asks.
      const here = this.leasedHere();
      const taken = await take(this.capacity(depth, holdMs, here.rowIds));
      const fresh = leased(taken)
        .map((delivery) => this.dispatch(delivery, here.byMessage.get(delivery.messageUuid)))
        .filter((lease) => lease.row === null);
      return { taken, fresh };
    });
    this.leasing = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Waits until each of these leases (from the feed, without a row) has its row: written
   * with its result, or, for those still under way after CALLBACK_FEED_HOLD_MS, written
   * leased to this replica (as a claim leases it) so that the feed's offsets can be
   * committed and the consumer never waits on a slow customer longer than that. Throws if a
   * row cannot be written: the feed's batch is then consumed again, and a status whose row
   * was not written is attempted again (at least once, never lost).
   */
  async hold(leases: readonly Lease[]): Promise<void> {
    if (leases.length === 0) return;
    const landed = Promise.all(leases.map((lease) => lease.landed));
    let timer: NodeJS.Timeout | undefined;
    const held = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.CALLBACK_FEED_HOLD_MS)));
    const done = await Promise.race([landed.then(() => true), held.then(() => false)]);
    clearTimeout(timer);
    if (!done) await this.leaseRows(leases.filter((lease) => lease.open()));
    if ((await landed).includes(false)) throw new Error('the rows of callbacks leased from the feed could not be written; the batch is consumed again');
  }

  /** Writes rows for fresh leases still under way, leased to this replica for CALLBACK_LEASE_MS. */
  private async leaseRows(open: readonly Lease[]): Promise<void> {
    if (open.length === 0) return;
    const writing = this.deliveries.writeFresh(
      open.map((lease) => ({ delivery: lease.delivery, state: CallbackDeliveryState.Pending, delayMs: this.config.CALLBACK_LEASE_MS, claims: 1, attempts: 0, attempt: null })),
    );
    for (const lease of open) lease.writingRow(writing.then((rows) => rows.get(lease.key) ?? null));
    await writing;
    for (const lease of open) if (lease.row && this.unwritten.has(lease.key)) this.unwrittenRows.set(lease.key, lease.row.id);
    this.metrics.feedHeld.inc(open.length);
  }

  /**
   * How deep the feed and the claims may lease past the free connections: a leased callback waits for at most
   * `depth − 1` requests ahead of it on its connection, each over within CALLBACK_TIMEOUT_MS,
   * and its own attempt must end within the lease, so depth × timeout stays under the lease
   * less a second. At the defaults (30 s, 8 s) that is 3.
   */
  leaseDepth(): number {
    const { CALLBACK_LEASE_MS: lease, CALLBACK_TIMEOUT_MS: timeout } = this.config;
    return Math.max(1, Math.min(MAX_LEASE_DEPTH, Math.floor((lease - 1_000) / timeout)));
  }

  /**
   * What a lease may take now. The feed (`holdMs`: how long its batch waits for answers) may
   * take from a healthy destination as many as it answers in that time, at most
   * FEED_LEASE_FACTOR × CALLBACK_CONCURRENCY in all: what is not answered then gets a leased row.
   */
  private capacity(depth: number, holdMs: number, leasedHere: readonly string[]): ClaimCapacity {
    const { excluded, limited } = this.gates.allowances(depth, holdMs);
    const pool = this.config.CALLBACK_CONCURRENCY * (holdMs > 0 ? Math.max(depth, FEED_LEASE_FACTOR) : depth);
    return {
      limit: this.running ? Math.max(0, pool - this.inFlight.size) : 0,
      excluded,
      limited,
      perDestination: this.config.CALLBACK_DESTINATION_CONCURRENCY * depth,
      leasedHere,
      leaseMs: this.config.CALLBACK_LEASE_MS,
    };
  }

  /** The leases here with a row whose result is not written yet: their rows' ids, and the leases by message. */
  private leasedHere(): { rowIds: string[]; byMessage: Map<string, Lease[]> } {
    const rowIds: string[] = [];
    const byMessage = new Map<string, Lease[]>();
    for (const [key, rowId] of this.unwrittenRows) {
      rowIds.push(rowId);
      const lease = this.unwritten.get(key);
      if (lease === undefined) continue;
      const leases = byMessage.get(lease.delivery.messageUuid);
      if (leases) leases.push(lease);
      else byMessage.set(lease.delivery.messageUuid, [lease]);
    }
    return { rowIds, byMessage };
  }

  /** One claim and the start of its attempts; the supervisor runs it again and again, after a back-off when it throws. */
  private async claimOnce(): Promise<void> {
    this.idleWait.looking();
    const { taken: claimed } = await this.lease(
      async (capacity) => {
        if (capacity.limit <= 0) {
          this.poolBound = true;
          return [];
        }
        const rows = await this.deliveries.claim(capacity);
        this.noteBounds(capacity.limit, rows, capacity.excluded, capacity.limited, capacity.perDestination);
        return rows;
      },
      (rows) => rows,
      // As deep as the feed: otherwise a destination the feed keeps busy would starve its claimed rows.
      this.leaseDepth(),
    );
    if (claimed.length > 0) this.idleBackoff.busy();
    else if (this.running) await this.idleWait.wait(this.idleBackoff.next(Date.now()));
  }

  /** Remembers what limited the claim, so that only a slot freed there wakes the loop. */
  private noteBounds(free: number, claimed: readonly ClaimedDelivery[], excluded: readonly string[], limited: ReadonlyMap<string, number>, perDestination: number): void {
    this.poolBound = claimed.length === free;
    this.boundDestinations = new Set(excluded);
    const taken = new Map<string, number>();
    for (const { destination } of claimed) taken.set(destination, (taken.get(destination) ?? 0) + 1);
    for (const [destination, count] of taken) {
      if (count >= (limited.get(destination) ?? perDestination)) this.boundDestinations.add(destination);
    }
  }

  /**
   * Starts one leased delivery. A status of a message whose earlier status is leased here too
   * waits for it, and goes only if that one is finished; otherwise (it is to be retried) it is
   * handed back to the claims, which keep the order. `earlier`: the leases of its message that
   * Postgres was told are leased here when it was leased; one of them may have ended (and
   * left the chain) since, to be tried again.
   */
  private dispatch(delivery: ClaimedDelivery, earlier: readonly Lease[] = []): Lease {
    const leasedAt = new Date();
    const lease = new Lease(delivery);
    this.unwritten.set(lease.key, lease);
    if (lease.row) this.unwrittenRows.set(lease.key, lease.row.id);
    const before = this.chains.get(delivery.messageUuid)?.state;
    const run = async (): Promise<CallbackDeliveryState> => {
      if (before && (await before) === CallbackDeliveryState.Pending) return this.handBack(lease);
      if (earlier.some((e) => e.delivery.sequence < delivery.sequence && e.ended === CallbackDeliveryState.Pending)) return this.handBack(lease);
      if (this.gates.admit(delivery.destination) === 'reject') return this.record(lease, leasedAt, leasedAt, circuitOpen(delivery.destination));
      return this.attempt(lease, leasedAt);
    };
    const chain = run()
      .catch((error: unknown) => {
        // Nothing is recorded: a row stays pending under its lease, a bar to its successors until the lease ends;
        // a status without a row is consumed again from the feed.
        this.logger.error({ err: error, messageUuid: delivery.messageUuid }, 'callback attempt crashed');
        lease.landedAs(false);
        this.written([lease.key]);
        return CallbackDeliveryState.Pending;
      })
      .then((state) => (lease.ended = state));
    this.chains.set(delivery.messageUuid, { key: lease.key, state: chain });
    const task = chain
      .then((state) => {
        // A status to be retried bars its successors until its result is written (see `written`).
        if (state !== CallbackDeliveryState.Pending && this.chains.get(delivery.messageUuid)?.key === lease.key) this.chains.delete(delivery.messageUuid);
      })
      .finally(() => {
        this.inFlight.delete(task);
        this.metrics.inFlight.set(this.inFlight.size);
        if (this.poolBound || this.boundDestinations.has(delivery.destination)) this.wake();
      });
    this.inFlight.add(task);
    this.metrics.inFlight.set(this.inFlight.size);
    return lease;
  }

  /** These leases are over in Postgres (result written, given up on, or handed back). */
  private written(keys: readonly string[]): void {
    for (const key of keys) {
      const lease = this.unwritten.get(key);
      if (lease === undefined) continue;
      this.unwritten.delete(key);
      this.unwrittenRows.delete(key);
      if (this.chains.get(lease.delivery.messageUuid)?.key === key) this.chains.delete(lease.delivery.messageUuid);
    }
  }

  /** Hands a leased delivery back unattempted: due now for the claims (a fresh one gets its row so). */
  private async handBack(lease: Lease): Promise<CallbackDeliveryState> {
    const row = await lease.settle();
    if (row === null) {
      const written = await this.results.add(lease.key, {
        fresh: { delivery: lease.delivery, state: CallbackDeliveryState.Pending, delayMs: 0, claims: 0, attempts: 0, attempt: null },
      });
      lease.landedAs(written);
    } else {
      try {
        await this.deliveries.handBack([row]);
      } catch (error: unknown) {
        // Its lease runs out instead.
        this.logger.warn({ err: error, messageUuid: lease.delivery.messageUuid }, 'handing a callback back failed; it is claimed again when its lease ends');
      }
      this.written([lease.key]);
    }
    this.wake();
    return CallbackDeliveryState.Pending;
  }

  private async attempt(lease: Lease, leasedAt: Date): Promise<CallbackDeliveryState> {
    const { delivery } = lease;
    await this.gates.turn(delivery.destination);
    if (this.gates.shut(delivery.destination)) {
      // The circuit opened while this one waited for its turn.
      this.gates.release(delivery.destination, 'neutral');
      return this.record(lease, leasedAt, new Date(), circuitOpen(delivery.destination));
    }
    if (Date.now() - leasedAt.getTime() + this.config.CALLBACK_TIMEOUT_MS > this.config.CALLBACK_LEASE_MS - 1_000) {
      // Its lease would end before the attempt could: another claim may take it then.
      this.gates.release(delivery.destination, 'neutral');
      return this.handBack(lease);
    }
    const attemptedAt = new Date();
    const outcome = await this.send(delivery);
    const opened = this.gates.release(delivery.destination, breakerOutcome(outcome), true, outcome.latencyMs);
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
    return this.record(lease, leasedAt, attemptedAt, outcome, await this.reply(delivery, outcome));
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

  /** Queues the result for writing; answers the delivery's state from now on. */
  private record(lease: Lease, leasedAt: Date, attemptedAt: Date, outcome: AttemptOutcome, reply?: ReplyOutcome): CallbackDeliveryState {
    const { delivery } = lease;
    const attempt = delivery.attempts + 1;
    const inbound = delivery.kind === CallbackKind.Inbound;
    const next = nextAfter(outcome.kind, attempt, delivery.retryDelaysMs, { clientErrorsFinal: inbound, httpStatus: outcome.httpStatus });
    const settle = inbound ? inboundSettlement(delivery.messageUuid, next) : undefined;
    // Written with next_attempt_at = the database's now() + the delay, a moment later: the claims look just after it.
    if (next.state === CallbackDeliveryState.Pending) this.idleBackoff.due(Date.now() + next.delayMs + RETRY_LOOK_MARGIN_MS);
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
    const result: Omit<DeliveryResult, 'id' | 'claims'> = {
      attempt,
      leasedAt,
      attemptedAt,
      httpStatus: outcome.httpStatus,
      latencyMs: outcome.latencyMs,
      error: outcome.error,
      succeeded: outcome.kind === AttemptKind.Success,
      next,
      ...(reply ? { reply: { messageUuids: reply.messageUuids, error: reply.error } } : {}),
      ...(settle ? { settle } : {}),
    };
    void this.writeResult(lease, result);
    return next.state;
  }

  /** Queues a result for writing: an update of the lease's row, or, for a fresh lease, its row with the result. */
  private async writeResult(lease: Lease, result: Omit<DeliveryResult, 'id' | 'claims'>): Promise<void> {
    const row = await lease.settle();
    const written = await this.results.add(
      lease.key,
      row
        ? { update: { ...result, ...row } }
        : {
            fresh: {
              delivery: lease.delivery,
              state: result.next.state,
              delayMs: result.next.state === CallbackDeliveryState.Pending ? result.next.delayMs : 0,
              claims: 1,
              attempts: result.attempt,
              attempt: { attemptedAt: result.attemptedAt, httpStatus: result.httpStatus, latencyMs: result.latencyMs, error: result.error, succeeded: result.succeeded },
            },
          },
    );
    lease.landedAs(written);
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

function circuitOpen(destination: string): AttemptOutcome {
  return { kind: AttemptKind.CircuitOpen, httpStatus: null, latencyMs: 0, error: `not sent: the circuit for ${destination} is open after repeated failures` };
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
