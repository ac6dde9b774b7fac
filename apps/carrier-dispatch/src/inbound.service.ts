// Mobile-originated messages from the carrier: parts joined, stored as `received` inbound records, handed on through sms.inbound.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { maskForLog } from '@sluice/domain';
import { Coalescer, OutboxRelay, PeriodicTask } from '@sluice/messaging';
import { MetricsRegistry, Supervisor } from '@sluice/observability';
import { InboundMessageRepository, InboundMessageRow, InboundPartRow, JoinedParts } from '@sluice/persistence';
import * as smpp from 'smpp';
import { DataSource, EntityManager } from 'typeorm';
import { deliverSmFields } from './deliver-sm-content';
import { DISPATCH_CONFIG, DispatchConfig } from './dispatch.config';
import { inboundMessageRow, withOptOutActions } from './inbound-messages';
import { decodeText, joinPartsText, MobileOriginated, readMobileOriginated } from './mobile-originated';

/** How each deliver_sm ended, as counted in `sluice_dispatch_inbound_total{outcome}`. */
export type InboundOutcome = 'stored' | 'unassigned' | 'malformed' | 'part';

/** Messages whose parts timed out, taken per transaction by the sweep. */
const SWEEP_BATCH = 100;

interface Arrival {
  readonly message: MobileOriginated;
  readonly receivedAt: Date;
}

function groupKey(from: string, to: string, reference: number, total: number): string {
  return `${from}/${to}/${reference}/${total}`;
}

/**
 * A deliver_sm that is not a receipt is a message from a mobile to one of Sluice's numbers.
 * It is answered ESME_ROK only once it is in Postgres: a message of one part as an inbound
 * record, a part of a concatenated message in `inbound_parts` (the part that completes its
 * message stores the message in the same transaction). If that fails the carrier gets
 * ESME_RX_T_APPN and sends it again; a PDU that cannot be read gets ESME_RX_R_APPN and is not
 * stored. deliver_sm arriving together (any bind, any route) share one transaction.
 */
@Injectable()
export class InboundService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboundService.name);
  private readonly repository = new InboundMessageRepository();
  private readonly outcomes;
  private readonly arrivals: Coalescer<Arrival, InboundOutcome>;
  private readonly sweeper: PeriodicTask;

  constructor(
    @Inject(DISPATCH_CONFIG) private readonly config: DispatchConfig,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxRelay,
    metrics: MetricsRegistry,
    supervisor: Supervisor,
  ) {
    this.outcomes = metrics.counter('dispatch_inbound_total', 'Mobile-originated deliver_sm by outcome', ['outcome']);
    this.arrivals = new Coalescer((batch) => this.receive(batch), 200);
    this.sweeper = new PeriodicTask('inbound-part-sweep', config.INBOUND_PART_SWEEP_MS, () => this.sweepTimedOut(), supervisor);
  }

  onApplicationBootstrap(): void {
    this.sweeper.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
  }

  /** The command_status to answer the deliver_sm with; rejects (→ ESME_RX_T_APPN) when it could not be stored. */
  async handle(pdu: smpp.PDU): Promise<number> {
    const read = readMobileOriginated(deliverSmFields(pdu));
    if (!read.ok) {
      this.outcomes.inc({ outcome: 'malformed' });
      this.logger.warn({ problem: read.problem, from: maskForLog(pdu.source_addr ?? ''), to: maskForLog(pdu.destination_addr ?? '') }, 'mobile-originated message refused');
      return smpp.ESME_RX_R_APPN;
    }
    const outcome = await this.arrivals.add({ message: read.message, receivedAt: new Date() });
    this.outcomes.inc({ outcome });
    return smpp.ESME_ROK;
  }

  /**
   * Stores messages whose parts did not all come within INBOUND_PART_TIMEOUT_MS, with the
   * parts that did (in sequence order). Any dispatcher may do it; each message once.
   */
  async sweepTimedOut(): Promise<number> {
    let swept = 0;
    for (;;) {
      const { joined, outboxIds, outcomes } = await this.dataSource.transaction(async (manager) => {
        const timedOut = await this.repository.takeTimedOut(manager, this.config.INBOUND_PART_TIMEOUT_MS, SWEEP_BATCH);
        const rows = withOptOutActions(timedOut.map(messageOf));
        const stored = await this.repository.store(manager, rows);
        return {
          joined: timedOut.length,
          outboxIds: stored.flatMap((s) => (s.outboxId ? [s.outboxId] : [])),
          outcomes: stored.map((s): InboundOutcome => (s.outboxId ? 'stored' : 'unassigned')),
        };
      });
      await this.outbox.publishCommitted(outboxIds);
      for (const outcome of outcomes) this.outcomes.inc({ outcome });
      if (joined > 0) this.logger.warn({ messages: joined, timeoutMs: this.config.INBOUND_PART_TIMEOUT_MS }, 'inbound messages stored without their missing parts');
      swept += joined;
      if (joined < SWEEP_BATCH) return swept;
    }
  }

  /** One transaction for every deliver_sm that arrived together; one outcome each, in order. */
  private async receive(batch: readonly Arrival[]): Promise<InboundOutcome[]> {
    const { outcomes, outboxIds } = await this.dataSource.transaction((manager) => this.receiveIn(manager, batch));
    // Published right away; the outbox sweep publishes what this leaves behind.
    await this.outbox.publishCommitted(outboxIds);
    return outcomes;
  }

  private async receiveIn(manager: EntityManager, batch: readonly Arrival[]): Promise<{ outcomes: InboundOutcome[]; outboxIds: string[] }> {
    const parts: InboundPartRow[] = batch.flatMap(({ message, receivedAt }) =>
      message.concatenation
        ? [
            {
              fromNumber: message.from,
              toNumber: message.to,
              reference: message.concatenation.reference,
              total: message.concatenation.total,
              seq: message.concatenation.seq,
              dataCoding: message.dataCoding,
              content: message.content,
              receivedAt,
            },
          ]
        : [],
    );
    const completed = new Map((await this.repository.joinParts(manager, parts)).map((j) => [groupKey(j.fromNumber, j.toNumber, j.reference, j.total), j]));
    // The last part of a completed message in this batch stands for it; its other parts were kept.
    const completing = new Map<string, number>();
    batch.forEach(({ message: { from, to, concatenation: c } }, index) => {
      if (c && completed.has(groupKey(from, to, c.reference, c.total))) completing.set(groupKey(from, to, c.reference, c.total), index);
    });
    const rows: Array<{ index: number; row: InboundMessageRow }> = [];
    batch.forEach(({ message, receivedAt }, index) => {
      const c = message.concatenation;
      if (!c) {
        // readMobileOriginated checked the bytes: they decode.
        rows.push({ index, row: inboundMessageRow({ from: message.from, to: message.to, text: decodeText(message.dataCoding, message.content) ?? '', parts: 1, receivedAt }) });
        return;
      }
      const key = groupKey(message.from, message.to, c.reference, c.total);
      const joined = completed.get(key);
      if (joined && completing.get(key) === index) rows.push({ index, row: messageOf(joined) });
    });
    const stored = await this.repository.store(manager, withOptOutActions(rows.map((r) => r.row)));
    const outcomes: InboundOutcome[] = batch.map(() => 'part');
    stored.forEach((s, i) => (outcomes[rows[i].index] = s.outboxId ? 'stored' : 'unassigned'));
    return { outcomes, outboxIds: stored.flatMap((s) => (s.outboxId ? [s.outboxId] : [])) };
  }
}

/** The message a set of parts makes (all of them, or those that came before the timeout). */
function messageOf(joined: JoinedParts): InboundMessageRow {
  return inboundMessageRow({
    from: joined.fromNumber,
    to: joined.toNumber,
    text: joinPartsText(joined.parts) ?? '',
    parts: joined.parts.length,
    receivedAt: joined.receivedAt,
  });
}
