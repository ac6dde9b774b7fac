// Status callbacks and inbound messages owed to customers, as rows any callback-service replica can claim when due.
import { MessageErrorCode, MessageState, MessageType } from '@sluice/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { CallbackAttemptEntity, CallbackDeliveryState, CallbackKind } from '../entities';
import { AppliedTransition, MessageRepository } from './message.repository';
import { preparedQuery } from './prepared';

/**
 * `state = 'pending'` for rows reached by their key (id, or message and sequence). Written so
 * that the partial index of due rows (predicate `state = 'pending'`) cannot serve it: `IS TRUE`
 * is not taken as that predicate. Its statistics are taken while few rows are pending, and in a
 * backlog a plan made from them read the whole index for every row it looked up (every claim,
 * result write and hand-back then cost as much as the backlog, which grew it further).
 */
const pendingByKey = (alias: string): string => `(${alias}.state = 'pending') IS TRUE`;

/** A status change to report: the message, its latest known sequence, and the url's destination. */
export interface CallbackEnqueue {
  readonly messageUuid: string;
  readonly sequence: number;
  readonly destination: string;
  /**
   * Every status of the message up to this sequence is known to have its record (a succeeded
   * attempt or a delivery row), so the history is read after it only. 0 (the default): read
   * it all. A record is never taken back, so a value the caller once saw stays true.
   */
  readonly recordedThrough?: number;
}

/** The message as the callback reports it (already redacted at rest as its `log` asked). */
export interface CallbackMessageFields {
  readonly fromNumber: string;
  readonly toNumber: string;
  readonly messageType: MessageType;
  readonly units: number;
  readonly totalRate: string;
  readonly totalAmount: string;
  readonly mcc: string | null;
  readonly mnc: string | null;
  readonly messageTime: Date;
  readonly queuedAt: Date;
  readonly sentAt: Date | null;
  readonly deliveryReportAt: Date | null;
  readonly powerpackUuid: string | null;
}

/** What an account's status callbacks take from its record. */
export interface CallbackAccount {
  /** The account's auth token, sealed (null: created without ACCOUNT_TOKEN_KEY; its callbacks go unsigned). */
  readonly authTokenEncrypted: string | null;
  /** The account's own retry schedule; null: the service's. */
  readonly retryDelaysMs: readonly number[] | null;
}

/**
 * What an inbound message's request to the Message URL carries, kept on its delivery row
 * until the delivery is finished. When the Application does not log incoming messages, the
 * text, media and `From` are only there sealed under the message's content key.
 */
export interface InboundRequestFields {
  /** Null when sealed (`sealedFrom`). */
  readonly from: string | null;
  readonly sealedFrom: string | null;
  readonly to: string;
  readonly type: MessageType;
  /** Empty when sealed (`sealedContent`). */
  readonly text: string;
  readonly mediaUrls: readonly string[];
  readonly sealedContent: string | null;
  readonly units: number;
  readonly totalRate: string;
  readonly totalAmount: string;
  readonly intent: string | null;
  readonly powerpackUuid: string | null;
}

/** An inbound message to deliver to its Application's Message URL. */
export interface InboundEnqueue {
  readonly messageUuid: string;
  readonly url: string;
  readonly method: string;
  readonly destination: string;
  /** When the message reached Sluice. */
  readonly occurredAt: Date;
  readonly fields: InboundRequestFields;
}

/** Where an inbound message goes, read when it is consumed. */
export interface InboundTarget {
  readonly state: MessageState;
  /** The key its sealed content opens with, while it is `received`. */
  readonly contentKey: Buffer | null;
  /** Null when the Application has none (or the message has no Application). */
  readonly messageUrl: string | null;
  readonly messageMethod: string;
}

export interface ClaimedDelivery {
  /** Null for a status leased from the feed before it has a row (`enqueue`): `writeFresh` writes it. */
  readonly id: string | null;
  readonly kind: CallbackKind;
  /** The claim number this replica holds; its result applies only while it is still the latest. */
  readonly claims: number;
  readonly messageUuid: string;
  readonly sequence: number;
  readonly accountId: string;
  readonly status: MessageState;
  readonly errorCode: MessageErrorCode;
  readonly occurredAt: Date;
  readonly url: string;
  readonly method: string;
  readonly destination: string;
  readonly retryDelaysMs: readonly number[];
  /** Attempts made before this claim. */
  readonly attempts: number;
  readonly message: CallbackMessageFields;
  readonly authTokenEncrypted: string | null;
  /** Inbound deliveries only. */
  readonly inbound: InboundRequestFields | null;
  /** The message's content key (inbound: opens what is sealed; erased once the message leaves `received`). */
  readonly contentKey: Buffer | null;
}

/** How many more rows of each destination this replica can take now. */
export interface ClaimCapacity {
  /** Rows to claim at most. */
  readonly limit: number;
  /** Destinations to leave alone entirely. */
  readonly excluded: readonly string[];
  /** Destinations with an allowance other than `perDestination` (smaller when busy or failing, larger when their limit grew). */
  readonly limited: ReadonlyMap<string, number>;
  readonly perDestination: number;
  /** How long a claimed row stays invisible to other claims (longer than any attempt). */
  readonly leaseMs: number;
  /**
   * Rows leased to the caller whose results are not written yet: a later status of theirs
   * may be leased too, the caller sends it after them.
   */
  readonly leasedHere?: readonly string[];
}

export type DeliveryNext =
  | { readonly state: typeof CallbackDeliveryState.Pending; readonly delayMs: number }
  | { readonly state: Exclude<CallbackDeliveryState, typeof CallbackDeliveryState.Pending> };

/** One finished attempt (or a refusal) and what becomes of the delivery. */
export interface DeliveryResult {
  readonly id: string;
  readonly claims: number;
  readonly attempt: number;
  /** When the lease this attempt ran under began (not stored: it bounds how long the result may still be written). */
  readonly leasedAt: Date;
  readonly attemptedAt: Date;
  readonly httpStatus: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly succeeded: boolean;
  readonly next: DeliveryNext;
  /** Inbound: what the answered Message XML led to. */
  readonly reply?: { readonly messageUuids: readonly string[]; readonly error: string | null };
  /** Inbound, when the delivery is finished: the message's state from now on. */
  readonly settle?: { readonly messageUuid: string; readonly state: typeof MessageState.Delivered | typeof MessageState.Undelivered; readonly errorCode: MessageErrorCode };
}

/** A status leased from the feed without a row (`enqueue`), written with what became of it. */
export interface FreshDeliveryWrite {
  readonly delivery: ClaimedDelivery;
  /** `pending` is due `delayMs` from now (a retry, a status handed back, or one leased until then); other states are final. */
  readonly state: CallbackDeliveryState;
  readonly delayMs: number;
  /** 1 for a row leased or attempted here, 0 for one handed back unattempted. */
  readonly claims: number;
  readonly attempts: number;
  /** The attempt made, if one was. */
  readonly attempt: {
    readonly attemptedAt: Date;
    readonly httpStatus: number | null;
    readonly latencyMs: number;
    readonly error: string | null;
    readonly succeeded: boolean;
  } | null;
}

/** A status (or inbound message) owed to a customer, and where its delivery stands (`deliveriesOf`). */
export interface DeliveryRecord {
  readonly messageUuid: string;
  readonly kind: CallbackKind;
  readonly sequence: number;
  readonly status: MessageState;
  readonly errorCode: MessageErrorCode;
  readonly occurredAt: Date;
  readonly url: string;
  readonly method: string;
  readonly state: CallbackDeliveryState;
  readonly attempts: number;
  /** While pending: when it is due (or its lease ends). */
  readonly nextAttemptAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface EnqueueOutcome {
  /** `message_uuid:sequence` of every row created (including earlier statuses filled in). */
  readonly created: ReadonlySet<string>;
  /** Rows created already leased to the caller, to attempt at once (see `enqueue`). */
  readonly claimed: readonly ClaimedDelivery[];
}

export interface CompleteOutcome {
  readonly applied: number;
  readonly unblocked: number;
  /** The inbound messages' state changes, to publish after the commit. */
  readonly transitions: readonly AppliedTransition[];
}

interface ClaimRow {
  id: string | null;
  kind: CallbackKind;
  inbound: InboundRequestFields | null;
  content_key: Buffer | null;
  claims: number;
  message_uuid: string;
  sequence: number;
  account_id: string;
  status: MessageState;
  error_code: MessageErrorCode;
  occurred_at: Date;
  url: string;
  method: string;
  destination: string;
  retry_delays_ms: number[];
  attempts: number;
  from_number: string;
  to_number: string;
  message_type: MessageType;
  units: number;
  total_rate: string;
  total_amount: string;
  mcc: string | null;
  mnc: string | null;
  message_time: Date;
  queued_at: Date;
  sent_at: Date | null;
  delivery_report_at: Date | null;
  powerpack_id: string | null;
  auth_token_encrypted: string | null;
}

export class CallbackDeliveryRepository {
  private readonly messages: MessageRepository;

  constructor(private readonly dataSource: DataSource) {
    this.messages = new MessageRepository(dataSource);
  }

  /** Callback urls of those messages that have one. */
  async callbackUrls(messageUuids: readonly string[]): Promise<Map<string, string>> {
    if (messageUuids.length === 0) return new Map();
    const rows: Array<{ message_uuid: string; callback_url: string }> = await preparedQuery(this.dataSource,
      `SELECT message_uuid, callback_url FROM messages WHERE message_uuid = ANY($1::uuid[]) AND callback_url IS NOT NULL`,
      [messageUuids],
    );
    return new Map(rows.map((r) => [r.message_uuid, r.callback_url]));
  }

  /** The callback settings of those accounts that exist, by auth id. */
  async callbackAccounts(authIds: readonly string[]): Promise<Map<string, CallbackAccount>> {
    if (authIds.length === 0) return new Map();
    const rows: Array<{ auth_id: string; auth_token_encrypted: string | null; callback_retry_delays_ms: number[] | null }> = await preparedQuery(this.dataSource,
      `SELECT auth_id, auth_token_encrypted, callback_retry_delays_ms FROM accounts WHERE auth_id = ANY($1::varchar[])`,
      [authIds],
    );
    return new Map(
      rows.map((r) => [r.auth_id, { authTokenEncrypted: r.auth_token_encrypted, retryDelaysMs: r.callback_retry_delays_ms === null ? null : r.callback_retry_delays_ms.map(Number) }]),
    );
  }

  /**
   * Finds every status change of each message up to `sequence` not reported yet, read from
   * the status history, so a status whose event is late or lost is still reported, in order.
   * A status with a row already is left alone: a replayed event adds nothing.
   *
   * With `capacity`, the messages that have no status pending in Postgres (but those in
   * `capacity.leasedHere`) are leased to the caller whole, all their new statuses, within
   * the same per-destination allowances as `claim`: they come back in `claimed` with
   * everything their requests need and **no row** (`id` null). The caller attempts them and
   * writes what became of each (`writeFresh`): a callback whose first attempt succeeds costs
   * only its attempt's row. The other new statuses get rows, due now for `claim`.
   */
  async enqueue(items: readonly CallbackEnqueue[], defaultRetryDelaysMs: readonly number[], capacity?: ClaimCapacity): Promise<EnqueueOutcome> {
    if (items.length === 0) return { created: new Set(), claimed: [] };
    const limited = [...(capacity?.limited.entries() ?? [])];
    const rows: Array<ClaimRow & { claimed: boolean }> = await preparedQuery(this.dataSource,
      // Every step is a scan of the one before, a window or an index probe, never a join of
      // two of these row sets: their sizes are unknown to a generic plan, which would join them
      // by nested loops (a batch of n statuses then cost n² comparisons).
      // MATERIALIZED: each status's probe for pending rows runs once (inlined, it ran for the window and again for the column).
      `WITH source AS MATERIALIZED (
         SELECT e.message_uuid, e.sequence, m.account_id, e.state, e.error_code, e.occurred_at, m.callback_url, m.callback_method,
                k.destination, COALESCE(a.callback_retry_delays_ms, $4::int[]) AS retry_delays_ms,
                -- Free to lease: the caller takes some, and its message has no status pending in
                -- Postgres but those leased here (a row of a later status, written before a crash
                -- that lost an earlier one's, counts too). The probe stays on the message's key.
                $5::int > 0 AND NOT (k.destination = ANY($6::text[]))
                  AND NOT EXISTS (SELECT 1 FROM callback_deliveries p
                                  WHERE p.message_uuid = e.message_uuid AND ${pendingByKey('p')}
                                    AND NOT (p.id = ANY($10::bigint[]))) AS free
         FROM unnest($1::uuid[], $2::int[], $3::text[], $11::int[]) AS k(message_uuid, sequence, destination, recorded_through)
         JOIN messages m ON m.message_uuid = k.message_uuid
         JOIN accounts a ON a.auth_id = m.account_id
         JOIN status_events e ON e.message_uuid = k.message_uuid AND e.sequence > k.recorded_through AND e.sequence <= k.sequence
         WHERE m.callback_url IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM callback_deliveries x WHERE x.message_uuid = e.message_uuid AND x.sequence = e.sequence)
           -- Reported before callback_deliveries existed (the first callback-service kept only attempts).
           AND NOT EXISTS (SELECT 1 FROM callback_attempts ca
                           WHERE ca.message_uuid = e.message_uuid AND ca.sequence = e.sequence AND ca.succeeded)
       ), messages_of AS (
         -- A message is leased with all its new statuses or none, ranked by its oldest one.
         SELECT s.*, min(s.occurred_at) OVER (PARTITION BY s.message_uuid) AS first_at, bool_and(s.free) OVER (PARTITION BY s.message_uuid) AS eligible
         FROM source s
       ), in_destination AS (
         SELECT s.*, s.eligible AND dense_rank() OVER (PARTITION BY s.destination, s.eligible ORDER BY s.first_at, s.message_uuid)
                       <= COALESCE(($8::int[])[array_position($7::text[], s.destination)], $9) AS within
         FROM messages_of s
       ), decided AS (
         SELECT s.*, s.within AND dense_rank() OVER (PARTITION BY s.within ORDER BY s.first_at, s.message_uuid) <= $5 AS claimed
         FROM in_destination s
       ), inserted AS (
         INSERT INTO callback_deliveries
           (message_uuid, sequence, account_id, status, error_code, occurred_at, url, method, destination, retry_delays_ms, next_attempt_at)
         SELECT s.message_uuid, s.sequence, s.account_id, s.state, s.error_code, s.occurred_at, s.callback_url, s.callback_method,
                s.destination, s.retry_delays_ms, now()
         FROM decided s
         WHERE NOT s.claimed
         ORDER BY s.message_uuid, s.sequence
         ON CONFLICT (message_uuid, sequence) DO NOTHING
         RETURNING message_uuid, sequence
       )
       -- What a request needs is read for the leased statuses only (this branch names the columns).
       SELECT s.message_uuid, s.sequence, true AS claimed, ${LEASED_STATUS_COLUMNS.join(', ')}
       FROM decided s
       JOIN messages m ON m.message_uuid = s.message_uuid
       JOIN accounts a ON a.auth_id = s.account_id
       WHERE s.claimed
       UNION ALL
       SELECT i.message_uuid, i.sequence, false, ${LEASED_STATUS_COLUMNS.map(() => 'NULL').join(', ')} FROM inserted i`,
      [
        items.map((i) => i.messageUuid),
        items.map((i) => i.sequence),
        items.map((i) => i.destination),
        defaultRetryDelaysMs,
        capacity?.limit ?? 0,
        capacity?.excluded ?? [],
        limited.map(([destination]) => destination),
        limited.map(([, allowance]) => allowance),
        capacity?.perDestination ?? 0,
        capacity?.leasedHere ?? [],
        items.map((i) => i.recordedThrough ?? 0),
      ],
    );
    return {
      created: new Set(rows.map((r) => `${r.message_uuid}:${r.sequence}`)),
      claimed: inSendingOrder(rows.filter((r) => r.claimed).map(toClaimedDelivery)),
    };
  }

  /** State, content key and Message URL of each inbound message that exists, by uuid. */
  async inboundTargets(items: ReadonlyArray<{ readonly messageUuid: string; readonly appId: string | null }>): Promise<Map<string, InboundTarget>> {
    if (items.length === 0) return new Map();
    const rows: Array<{ message_uuid: string; message_state: MessageState; content_key: Buffer | null; message_url: string | null; message_method: string | null }> =
      await this.dataSource.query(
        `SELECT m.message_uuid, m.message_state, m.content_key, ap.message_url, ap.message_method
         FROM unnest($1::uuid[], $2::text[]) AS k(message_uuid, app_id)
         JOIN messages m ON m.message_uuid = k.message_uuid
         -- An application of another account is never used, whatever the record says.
         LEFT JOIN applications ap ON ap.app_id = k.app_id AND ap.account_id = m.account_id`,
        [items.map((i) => i.messageUuid), items.map((i) => i.appId)],
      );
    return new Map(
      rows.map((r) => [
        r.message_uuid,
        { state: r.message_state, contentKey: r.content_key, messageUrl: r.message_url, messageMethod: r.message_method ?? 'POST' },
      ]),
    );
  }

  /**
   * Creates a due delivery for each inbound message still `received`, with the account's
   * retry schedule. A message already enqueued (a replayed record) is left alone. Returns
   * the uuids of the rows created.
   */
  async enqueueInbound(items: readonly InboundEnqueue[], defaultRetryDelaysMs: readonly number[]): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const rows: Array<{ message_uuid: string }> = await this.dataSource.query(
      `INSERT INTO callback_deliveries
         (message_uuid, sequence, account_id, status, error_code, occurred_at, url, method, destination, retry_delays_ms, next_attempt_at, kind, inbound)
       SELECT k.message_uuid, m.sequence, m.account_id, m.message_state, m.error_code, k.occurred_at, k.url, k.method, k.destination,
              COALESCE(a.callback_retry_delays_ms, $7::int[]), now(), $8, k.inbound
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[]) AS k(message_uuid, url, method, destination, occurred_at, inbound)
       JOIN messages m ON m.message_uuid = k.message_uuid AND m.message_state = $9
       JOIN accounts a ON a.auth_id = m.account_id
       ON CONFLICT (message_uuid, sequence) DO NOTHING
       RETURNING message_uuid`,
      [
        items.map((i) => i.messageUuid),
        items.map((i) => i.url),
        items.map((i) => i.method),
        items.map((i) => i.destination),
        items.map((i) => i.occurredAt),
        items.map((i) => JSON.stringify(i.fields)),
        defaultRetryDelaysMs,
        CallbackKind.Inbound,
        MessageState.Received,
      ],
    );
    return new Set(rows.map((r) => r.message_uuid));
  }

  /**
   * Leases due deliveries: oldest due first (earlier statuses first among equals), at most
   * `perDestination` (or the destination's own allowance) per destination, and never a
   * status whose predecessor of the same message is still pending, unless that predecessor
   * is leased to the caller already (`leasedHere`) or is leased by this same claim: a
   * message's pending statuses are taken together, in order, and the caller sends each after
   * the one before (a claim may take the first few of them, never a later one without the
   * earlier). `SKIP LOCKED` lets every replica claim at once; the lease (`next_attempt_at`
   * moved past the attempt's end) hands a row back if its claimer dies.
   */
  async claim(capacity: ClaimCapacity): Promise<ClaimedDelivery[]> {
    if (capacity.limit <= 0) return [];
    const limited = [...capacity.limited.entries()];
    const rows: ClaimRow[] = await preparedQuery(this.dataSource,
      `WITH candidates AS (
         -- The oldest due rows in index order, without per-row checks, so the plan stays an
         -- index walk that stops early whatever the statistics say (they lag in a burst).
         SELECT d.id FROM callback_deliveries d
         WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND NOT (d.destination = ANY($1::text[]))
         ORDER BY d.next_attempt_at, d.sequence
         LIMIT $2
       ), locked AS MATERIALIZED (
         SELECT d.id, d.message_uuid, d.destination, d.next_attempt_at, d.sequence
         FROM callback_deliveries d
         -- = ANY(ARRAY(…)): primary-key probes of the candidates only, never a scan with a join.
         WHERE d.id = ANY (ARRAY(SELECT id FROM candidates)) AND ${pendingByKey('d')} AND d.next_attempt_at <= now()
         FOR UPDATE OF d SKIP LOCKED
       ), due AS (
         -- Every earlier pending status of the message is locked here too or leased to the caller.
         -- Then so is every earlier one's: the due statuses of a message are its first pending ones.
         SELECT l.*, min(l.next_attempt_at) OVER (PARTITION BY l.message_uuid) AS first_at
         FROM locked l
         WHERE (SELECT 1 FROM callback_deliveries p
                WHERE p.message_uuid = l.message_uuid AND p.sequence < l.sequence AND ${pendingByKey('p')}
                  AND NOT (p.id = ANY ($8::bigint[])) AND NOT (p.id = ANY (ARRAY(SELECT id FROM locked)))
                LIMIT 1) IS NULL
       ), chosen AS (
         -- Ranked by message, then sequence: whatever the limits cut, a status is never taken without the earlier ones.
         SELECT r.id FROM (
           SELECT id, destination, first_at, message_uuid, sequence,
                  row_number() OVER (PARTITION BY destination ORDER BY first_at, message_uuid, sequence) AS rank
           FROM due) r
         LEFT JOIN unnest($3::text[], $4::int[]) AS l(destination, allowance) ON l.destination = r.destination
         WHERE r.rank <= COALESCE(l.allowance, $5)
         ORDER BY r.first_at, r.message_uuid, r.sequence
         LIMIT $6
       ), claimed AS (
         UPDATE callback_deliveries d
         SET claims = d.claims + 1, next_attempt_at = now() + make_interval(secs => $7::double precision / 1000)
         WHERE d.id = ANY (ARRAY(SELECT id FROM chosen))
         RETURNING d.id, d.claims, d.message_uuid, d.sequence, d.account_id, d.status, d.error_code, d.occurred_at, d.url,
                   d.method, d.destination, d.retry_delays_ms, d.attempts, d.kind, d.inbound
       )
       -- A SELECT on top (TypeORM answers a top-level UPDATE with [rows, count]), joining what the callback reports.
       SELECT c.*, ${MESSAGE_FIELDS}
       FROM claimed c
       JOIN messages m ON m.message_uuid = c.message_uuid
       JOIN accounts a ON a.auth_id = c.account_id`,
      [
        capacity.excluded,
        // Room to step over statuses still waiting for an earlier one in flight.
        Math.min(Math.max(capacity.limit * 4, 256), 2_000),
        limited.map(([destination]) => destination),
        limited.map(([, allowance]) => allowance),
        capacity.perDestination,
        capacity.limit,
        capacity.leaseMs,
        capacity.leasedHere ?? [],
      ],
    );
    return inSendingOrder(rows.map(toClaimedDelivery));
  }

  /**
   * Ends leases without an attempt: the rows are due now for any claim, and count as never
   * claimed (a lease that made no attempt leaves nothing behind), so a status handed back
   * behind a retrying predecessor is parked like any other (`deferBlocked`).
   */
  async handBack(leases: ReadonlyArray<{ readonly id: string; readonly claims: number }>): Promise<void> {
    if (leases.length === 0) return;
    await preparedQuery(this.dataSource,
      `UPDATE callback_deliveries d SET next_attempt_at = now(), claims = d.claims - 1
       FROM unnest($1::bigint[], $2::int[]) AS l(id, claims)
       WHERE d.id = l.id AND d.claims = l.claims AND ${pendingByKey('d')}`,
      [leases.map((l) => l.id), leases.map((l) => l.claims)],
    );
  }

  /**
   * Moves statuses waiting behind a predecessor that is in retry back-off (attempted, not
   * in flight: `claims = attempts`) to that predecessor's next attempt, so a backlog behind
   * a failing endpoint is not walked over by every claim. `complete` brings them forward as
   * soon as the predecessor is finished. A predecessor in flight is left alone: its result
   * is moments away. Returns how many were moved.
   */
  async deferBlocked(limit: number): Promise<number> {
    const rows: Array<{ n: number }> = await preparedQuery(this.dataSource,
      `WITH candidates AS (
         -- Only the head of the due rows, where claims look; anything further back is reached later.
         SELECT d.id FROM callback_deliveries d
         WHERE d.state = 'pending' AND d.next_attempt_at <= now()
         ORDER BY d.next_attempt_at, d.sequence
         LIMIT $1
       ), blocked AS (
         SELECT d.id, w.until
         FROM callback_deliveries d,
              LATERAL (SELECT max(p.next_attempt_at) AS until FROM callback_deliveries p
                       WHERE p.message_uuid = d.message_uuid AND p.sequence < d.sequence AND ${pendingByKey('p')}
                         AND p.claims = p.attempts AND p.next_attempt_at > now()) w
         WHERE d.id = ANY (ARRAY(SELECT id FROM candidates)) AND ${pendingByKey('d')} AND d.next_attempt_at <= now()
           AND d.claims = 0 AND w.until IS NOT NULL
         FOR UPDATE OF d SKIP LOCKED
       ), deferred AS (
         UPDATE callback_deliveries d SET next_attempt_at = b.until FROM blocked b WHERE d.id = b.id RETURNING 1
       )
       SELECT count(*)::int AS n FROM deferred`,
      [limit],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Records attempts and moves their deliveries on, in one statement for the whole batch.
   * A result whose claim is no longer the latest (its lease ran out and another replica
   * took the row) is kept as an attempt but changes nothing. Returns the results applied
   * and how many later statuses of finished ones are now free to go. A finished inbound
   * delivery drops what it carried and moves its message out of `received` (the guarded
   * transition, which erases the content key) in the same transaction.
   */
  async complete(results: readonly DeliveryResult[]): Promise<CompleteOutcome> {
    if (results.length === 0) return { applied: 0, unblocked: 0, transitions: [] };
    if (!results.some((r) => r.settle)) return { ...(await this.record(results, this.dataSource.manager)), transitions: [] };
    return this.dataSource.transaction(async (manager) => {
      const recorded = await this.record(results, manager);
      const settling = results.filter((r) => r.settle && recorded.appliedIds.has(r.id));
      const transitions: AppliedTransition[] = [];
      for (const state of [MessageState.Delivered, MessageState.Undelivered] as const) {
        const requests = settling.flatMap((r) => (r.settle?.state === state ? [{ messageUuid: r.settle.messageUuid, errorCode: r.settle.errorCode }] : []));
        const applied = await this.messages.transitionMany(state, requests, manager);
        for (const transition of applied) if (transition) transitions.push(transition);
      }
      return { applied: recorded.applied, unblocked: recorded.unblocked, transitions };
    });
  }

  private async record(results: readonly DeliveryResult[], manager: EntityManager): Promise<{ applied: number; unblocked: number; appliedIds: Set<string> }> {
    const rows: Array<{ applied: number; unblocked: number; applied_ids: string[] | null }> = await preparedQuery(manager,
      `WITH r AS (
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::int[], $5::int[], $6::timestamptz[], $7::int[], $8::int[],
                              $9::text[], $10::bool[], $11::text[], $12::text[])
           AS r(id, claims, state, delay_ms, attempt, attempted_at, http_status, latency_ms, error, succeeded, reply_uuids, reply_error)
       ), updated AS (
         UPDATE callback_deliveries d SET
           state = r.state,
           attempts = r.attempt,
           next_attempt_at = CASE WHEN r.state = 'pending'
                                  THEN now() + make_interval(secs => r.delay_ms::double precision / 1000)
                                  ELSE d.next_attempt_at END,
           finished_at = CASE WHEN r.state = 'pending' THEN NULL ELSE now() END,
           -- What an inbound request carried is needed no longer once it is finished.
           inbound = CASE WHEN r.state = 'pending' THEN d.inbound ELSE NULL END
         FROM r
         WHERE d.id = r.id AND d.claims = r.claims AND ${pendingByKey('d')}
         RETURNING d.id, d.message_uuid, d.sequence, d.state
       ), released AS (
         -- The next statuses of a finished one are due now, not when their deferral would run out.
         UPDATE callback_deliveries s SET next_attempt_at = now()
         FROM updated u
         WHERE u.state <> 'pending' AND s.message_uuid = u.message_uuid AND s.sequence > u.sequence
           AND ${pendingByKey('s')} AND s.next_attempt_at > now() AND s.claims = 0
           AND NOT EXISTS (SELECT 1 FROM r WHERE r.id = s.id)
       ), recorded AS (
         INSERT INTO callback_attempts (message_uuid, sequence, status, method, url, attempt, attempted_at, http_status, latency_ms, error, succeeded,
                                        reply_message_uuids, reply_error)
         SELECT d.message_uuid, d.sequence, d.status, d.method, d.url, r.attempt, r.attempted_at, r.http_status, r.latency_ms, r.error, r.succeeded,
                string_to_array(r.reply_uuids, ',')::uuid[], r.reply_error
         FROM r JOIN callback_deliveries d ON d.id = r.id
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM updated)::int AS applied, (SELECT array_agg(id::text) FROM updated) AS applied_ids,
              (SELECT count(*) FROM updated u
               WHERE u.state <> 'pending' AND EXISTS (
                 SELECT 1 FROM callback_deliveries s
                 WHERE s.message_uuid = u.message_uuid AND s.sequence > u.sequence AND ${pendingByKey('s')}))::int AS unblocked`,
      [
        results.map((r) => r.id),
        results.map((r) => r.claims),
        results.map((r) => r.next.state),
        results.map((r) => (r.next.state === CallbackDeliveryState.Pending ? Math.round(r.next.delayMs) : null)),
        results.map((r) => r.attempt),
        results.map((r) => r.attemptedAt),
        results.map((r) => r.httpStatus),
        results.map((r) => Math.round(r.latencyMs)),
        results.map((r) => r.error),
        results.map((r) => r.succeeded),
        results.map((r) => (r.reply ? r.reply.messageUuids.join(',') : null)),
        results.map((r) => r.reply?.error ?? null),
      ],
    );
    return { applied: Number(rows[0]?.applied ?? 0), unblocked: Number(rows[0]?.unblocked ?? 0), appliedIds: new Set(rows[0]?.applied_ids ?? []) };
  }

  /**
   * Writes what became of statuses leased from the feed (`enqueue`), in one statement: each
   * attempt made, and a delivery row for each status not delivered at its first attempt (to
   * retry, handed back, refused, or leased on). A status delivered at once needs no row: its
   * succeeded attempt is its record (`deliveriesOf`), and `enqueue` never reports it again.
   * A row that exists already (the status was replayed elsewhere) is left alone; the attempt
   * is kept all the same. Answers the rows written, by `message_uuid:sequence`.
   */
  async writeFresh(writes: readonly FreshDeliveryWrite[]): Promise<Map<string, { readonly id: string; readonly claims: number }>> {
    if (writes.length === 0) return new Map();
    const rows: Array<{ id: string; message_uuid: string; sequence: number; claims: number }> = await preparedQuery(this.dataSource,
      `WITH w AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[],
                              $10::text[], $11::text[], $12::int[], $13::int[], $14::int[],
                              $15::timestamptz[], $16::int[], $17::int[], $18::text[], $19::bool[])
           AS w(message_uuid, sequence, account_id, status, error_code, occurred_at, url, method, destination,
                retry_delays_ms, state, claims, attempts, delay_ms,
                attempted_at, http_status, latency_ms, error, succeeded)
       ), inserted AS (
         INSERT INTO callback_deliveries
           (message_uuid, sequence, account_id, status, error_code, occurred_at, url, method, destination, retry_delays_ms,
            state, claims, attempts, next_attempt_at, finished_at)
         SELECT w.message_uuid, w.sequence, w.account_id, w.status, w.error_code, w.occurred_at, w.url, w.method, w.destination,
                w.retry_delays_ms::int[], w.state, w.claims, w.attempts,
                now() + make_interval(secs => w.delay_ms::double precision / 1000),
                CASE WHEN w.state = 'pending' THEN NULL ELSE now() END
         FROM w WHERE NOT (w.state = 'delivered' AND w.succeeded IS TRUE) ORDER BY w.message_uuid, w.sequence
         ON CONFLICT (message_uuid, sequence) DO NOTHING
         RETURNING id, message_uuid, sequence, claims
       ), recorded AS (
         INSERT INTO callback_attempts (message_uuid, sequence, status, method, url, attempt, attempted_at, http_status, latency_ms, error, succeeded)
         SELECT w.message_uuid, w.sequence, w.status, w.method, w.url, w.attempts, w.attempted_at, w.http_status, w.latency_ms, w.error, w.succeeded
         FROM w WHERE w.attempted_at IS NOT NULL
       )
       SELECT id::text AS id, message_uuid, sequence, claims FROM inserted`,
      [
        writes.map((w) => w.delivery.messageUuid),
        writes.map((w) => w.delivery.sequence),
        writes.map((w) => w.delivery.accountId),
        writes.map((w) => w.delivery.status),
        writes.map((w) => w.delivery.errorCode),
        writes.map((w) => w.delivery.occurredAt),
        writes.map((w) => w.delivery.url),
        writes.map((w) => w.delivery.method),
        writes.map((w) => w.delivery.destination),
        writes.map((w) => `{${w.delivery.retryDelaysMs.join(',')}}`),
        writes.map((w) => w.state),
        writes.map((w) => w.claims),
        writes.map((w) => w.attempts),
        writes.map((w) => Math.max(0, Math.round(w.delayMs))),
        writes.map((w) => w.attempt?.attemptedAt ?? null),
        writes.map((w) => w.attempt?.httpStatus ?? null),
        writes.map((w) => (w.attempt ? Math.round(w.attempt.latencyMs) : null)),
        writes.map((w) => w.attempt?.error ?? null),
        writes.map((w) => w.attempt?.succeeded ?? null),
      ],
    );
    return new Map(rows.map((r) => [`${r.message_uuid}:${r.sequence}`, { id: r.id, claims: Number(r.claims) }]));
  }

  /** Every delivery of a message with its attempts, oldest first. */
  async history(messageUuid: string): Promise<{ deliveries: DeliveryRecord[]; attempts: CallbackAttemptEntity[] }> {
    const [deliveries, attempts] = await Promise.all([
      this.deliveriesOf([messageUuid]),
      this.dataSource.getRepository(CallbackAttemptEntity).find({ where: { messageUuid }, order: { sequence: 'ASC', attempt: 'ASC', id: 'ASC' } }),
    ]);
    return { deliveries, attempts };
  }

  /**
   * The delivery of every status owed of these messages, by message and sequence: its row,
   * or, for a status delivered at its first attempt straight from the feed (`writeFresh`
   * writes no row for it), what that attempt and the status history say.
   */
  async deliveriesOf(messageUuids: readonly string[]): Promise<DeliveryRecord[]> {
    if (messageUuids.length === 0) return [];
    const rows: Array<{
      message_uuid: string;
      kind: CallbackKind;
      sequence: number;
      status: MessageState;
      error_code: MessageErrorCode;
      occurred_at: Date;
      url: string;
      method: string;
      state: CallbackDeliveryState;
      attempts: number;
      next_attempt_at: Date | null;
      finished_at: Date | null;
    }> = await this.dataSource.query(
      `SELECT * FROM (
         SELECT d.message_uuid, d.kind, d.sequence, d.status, d.error_code, d.occurred_at, d.url, d.method, d.state, d.attempts,
                CASE WHEN d.state = 'pending' THEN d.next_attempt_at END AS next_attempt_at, d.finished_at
           FROM callback_deliveries d WHERE d.message_uuid = ANY($1::uuid[])
         UNION ALL
         (SELECT DISTINCT ON (a.message_uuid, a.sequence)
                 a.message_uuid, $2::text, a.sequence, a.status, e.error_code, e.occurred_at, a.url, a.method, $3::text, a.attempt, NULL::timestamptz,
                 a.attempted_at + make_interval(secs => a.latency_ms::double precision / 1000)
            FROM callback_attempts a JOIN status_events e ON e.message_uuid = a.message_uuid AND e.sequence = a.sequence
           WHERE a.message_uuid = ANY($1::uuid[]) AND a.succeeded AND a.attempt = 1
             AND NOT EXISTS (SELECT 1 FROM callback_deliveries d WHERE d.message_uuid = a.message_uuid AND d.sequence = a.sequence)
           ORDER BY a.message_uuid, a.sequence, a.attempted_at)
       ) owed ORDER BY message_uuid, sequence`,
      [messageUuids, CallbackKind.Status, CallbackDeliveryState.Delivered],
    );
    return rows.map((r) => ({
      messageUuid: r.message_uuid,
      kind: r.kind,
      sequence: Number(r.sequence),
      status: r.status,
      errorCode: r.error_code,
      occurredAt: r.occurred_at,
      url: r.url,
      method: r.method,
      state: r.state,
      attempts: Number(r.attempts),
      nextAttemptAt: r.next_attempt_at,
      finishedAt: r.finished_at,
    }));
  }

  async pendingCount(): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(`SELECT count(*)::int AS n FROM callback_deliveries WHERE state = 'pending'`);
    return Number(rows[0]?.n ?? 0);
  }
}

/** What a status callback reports of its message, read with each leased row (`m` messages, `a` accounts). */
const MESSAGE_FIELDS = `m.from_number, m.to_number, m.message_type, m.units, m.total_rate, m.total_amount, m.mcc, m.mnc,
              m.message_time, m.queued_at, m.sent_at, m.delivery_report_at, m.powerpack_id, m.content_key, a.auth_token_encrypted`;

/** What `enqueue` answers for a status leased from the feed: everything its request needs. */
const LEASED_STATUS_COLUMNS = [
  'NULL::bigint AS id', '0 AS claims', '0 AS attempts', `'${CallbackKind.Status}' AS kind`, 'NULL::jsonb AS inbound',
  's.account_id', 's.state AS status', 's.error_code', 's.occurred_at', 's.callback_url AS url', 's.callback_method AS method',
  's.destination', 's.retry_delays_ms', ...MESSAGE_FIELDS.split(',').map((column) => column.trim()),
];

function toClaimedDelivery(r: ClaimRow): ClaimedDelivery {
  return {
    id: r.id === null ? null : String(r.id),
    kind: r.kind,
    inbound: r.inbound,
    contentKey: r.content_key,
    claims: Number(r.claims),
    messageUuid: r.message_uuid,
    sequence: Number(r.sequence),
    accountId: r.account_id,
    status: r.status,
    errorCode: r.error_code,
    occurredAt: r.occurred_at,
    url: r.url,
    method: r.method,
    destination: r.destination,
    retryDelaysMs: r.retry_delays_ms.map(Number),
    attempts: Number(r.attempts),
    authTokenEncrypted: r.auth_token_encrypted,
    message: {
      fromNumber: r.from_number,
      toNumber: r.to_number,
      messageType: r.message_type,
      units: Number(r.units),
      totalRate: r.total_rate,
      totalAmount: r.total_amount,
      mcc: r.mcc,
      mnc: r.mnc,
      messageTime: r.message_time,
      queuedAt: r.queued_at,
      sentAt: r.sent_at,
      deliveryReportAt: r.delivery_report_at,
      powerpackUuid: r.powerpack_id,
    },
  };
}

/**
 * Oldest message first, and each message's statuses by sequence. Two statuses of a message can
 * carry the same millisecond (or, written by two transactions, times out of order): their
 * sequence decides, never the order the rows came in, since the worker chains each status
 * behind the one leased before it.
 */
export function inSendingOrder(deliveries: readonly ClaimedDelivery[]): ClaimedDelivery[] {
  const firstAt = new Map<string, number>();
  for (const d of deliveries) {
    const at = d.occurredAt.getTime();
    if (at < (firstAt.get(d.messageUuid) ?? Infinity)) firstAt.set(d.messageUuid, at);
  }
  const at = (d: ClaimedDelivery): number => firstAt.get(d.messageUuid) ?? 0;
  return [...deliveries].sort((a, b) => at(a) - at(b) || (a.messageUuid < b.messageUuid ? -1 : a.messageUuid > b.messageUuid ? 1 : a.sequence - b.sequence));
}
