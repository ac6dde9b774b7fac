// The fast path of committed status events against real Postgres: one send for everything handed
// over together, the outbox rows deleted after it (one DELETE for the sends of a linger), and left
// for the sweep when the send fails.
import { MessageErrorCode, MessageState, SmsStatusPayload } from '@sluice/contracts';
import { OutboxRepository } from '@sluice/persistence';
import { connectTestDatabase } from '@sluice/testing-data';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CommittedEventPublisher, StatusEventSender } from './committed-events';

describe('CommittedEventPublisher (real Postgres)', () => {
  let dataSource: DataSource;
  let outbox: OutboxRepository;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dataSource = await connectTestDatabase();
    outbox = new OutboxRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** An outbox row and the event it holds, as a transition commits them. */
  async function committed(): Promise<{ outboxIds: string[]; events: SmsStatusPayload[] }> {
    const event: SmsStatusPayload = { messageUuid: randomUUID(), accountId: 'MATEST00000000000000', state: MessageState.Sent, errorCode: MessageErrorCode.Ok, sequence: 2, occurredAt: Date.now() };
    const rows: Array<{ id: string }> = await dataSource.query(`INSERT INTO outbox (topic, record_key, payload) VALUES ('sms.status.v1', $1, $2) RETURNING id`, [
      event.messageUuid,
      JSON.stringify(event),
    ]);
    return { outboxIds: rows.map((r) => String(r.id)), events: [event] };
  }

  async function remaining(ids: readonly string[]): Promise<number> {
    const rows: Array<{ n: number }> = await dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::bigint[])`, [ids]);
    return Number(rows[0]?.n);
  }

  it('sends the batches handed over together in one request, in order, then deletes their rows', async () => {
    const sends: SmsStatusPayload[][] = [];
    const sender: StatusEventSender = { publish: async (_topic, payloads) => void sends.push([...payloads]) };
    const publisher = new CommittedEventPublisher(sender, outbox, 0);
    const batches = await Promise.all([committed(), committed(), committed()]);
    await Promise.all(batches.map((batch) => publisher.publish(batch)));
    expect(sends).toEqual([batches.flatMap((b) => b.events)]);
    await publisher.idle();
    expect(await remaining(batches.flatMap((b) => b.outboxIds))).toBe(0);
  });

  it('deletes the rows of the sends within its delete linger with one statement, at the latest when it is made idle', async () => {
    const deletes: string[][] = [];
    const counting = Object.assign(Object.create(outbox) as OutboxRepository, {
      delete: (ids: readonly string[]) => (deletes.push([...ids]), outbox.delete(ids)),
    });
    const sender: StatusEventSender = { publish: async () => undefined };
    const publisher = new CommittedEventPublisher(sender, counting, 0, 60_000);
    const first = await committed();
    await publisher.publish(first);
    const second = await committed();
    await publisher.publish(second);
    expect(deletes).toEqual([]);
    expect(await remaining([...first.outboxIds, ...second.outboxIds])).toBe(2);
    await publisher.idle();
    expect(deletes).toEqual([[...first.outboxIds, ...second.outboxIds]]);
    expect(await remaining([...first.outboxIds, ...second.outboxIds])).toBe(0);
  });

  it('deletes on its own once the delete linger has passed', async () => {
    const publisher = new CommittedEventPublisher({ publish: async () => undefined }, outbox, 0, 1);
    const batch = await committed();
    await publisher.publish(batch);
    for (let i = 0; i < 200 && (await remaining(batch.outboxIds)) > 0; i += 1) await new Promise((r) => setTimeout(r, 25));
    expect(await remaining(batch.outboxIds)).toBe(0);
  });

  it('leaves the rows to the outbox sweep when the send fails, and does not reject', async () => {
    const sender: StatusEventSender = { publish: () => Promise.reject(new Error('the broker is away')) };
    const publisher = new CommittedEventPublisher(sender, outbox, 5);
    const batch = await committed();
    await expect(publisher.publish(batch)).resolves.toBeUndefined();
    expect(await remaining(batch.outboxIds)).toBe(1);
    await outbox.delete(batch.outboxIds);
  });
});
