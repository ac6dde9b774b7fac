// The fast path of committed status events against real Postgres: one send for everything handed
// over together, the status outbox rows deleted after it (one DELETE for the sends of a linger) and
// only once every event a row names is sent, and left for the sweep when the send fails.
import { MessageErrorCode, MessageState, SmsStatusPayload } from '@sluice/contracts';
import { StatusOutboxRepository, statusOutboxInsert } from '@sluice/persistence';
import { connectTestDatabase } from '@sluice/testing-data';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CommittedEventPublisher, CommittedEvents, StatusEventSender } from './committed-events';

describe('CommittedEventPublisher (real Postgres)', () => {
  let dataSource: DataSource;
  let outbox: StatusOutboxRepository;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dataSource = await connectTestDatabase();
    outbox = new StatusOutboxRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** `count` events and the one status outbox row naming them, as a statement commits them. */
  async function committed(count = 1): Promise<CommittedEvents & { readonly id: string }> {
    const events: SmsStatusPayload[] = Array.from({ length: count }, () => ({
      messageUuid: randomUUID(),
      accountId: 'MATEST00000000000000',
      state: MessageState.Sent,
      errorCode: MessageErrorCode.Ok,
      sequence: 2,
      occurredAt: Date.now(),
    }));
    const rows: Array<{ id: string; events: number }> = await dataSource.query(
      `WITH outbox_row AS (${statusOutboxInsert('unnest($1::uuid[], $2::integer[]) AS x(message_uuid, sequence)')}) SELECT * FROM outbox_row`,
      [events.map((e) => e.messageUuid), events.map((e) => e.sequence)],
    );
    const row = rows[0];
    if (!row) throw new Error('no status outbox row written');
    const written = { id: String(row.id), events: Number(row.events) };
    return { id: written.id, events, outbox: events.map(() => written) };
  }

  /** The events of `batch` from `from` to `to`, with their rows: what one of the statement's writers hands over. */
  function part(batch: CommittedEvents, from: number, to: number): CommittedEvents {
    return { events: batch.events.slice(from, to), outbox: batch.outbox.slice(from, to) };
  }

  async function remaining(ids: readonly string[]): Promise<number> {
    const rows: Array<{ n: number }> = await dataSource.query(`SELECT count(*)::int AS n FROM status_outbox WHERE id = ANY($1::bigint[])`, [ids]);
    return Number(rows[0]?.n);
  }

  it('writes one row for a statement, naming its events', async () => {
    const batch = await committed(3);
    expect(batch.outbox[0]).toEqual({ id: batch.id, events: 3 });
    const rows: Array<{ message_uuids: string[]; sequences: number[] }> = await dataSource.query(`SELECT message_uuids::text[], sequences FROM status_outbox WHERE id = $1`, [batch.id]);
    expect(rows).toEqual([{ message_uuids: batch.events.map((e) => e.messageUuid), sequences: [2, 2, 2] }]);
    await outbox.delete([batch.id]);
  });

  it('sends the batches handed over together in one request, in order, then deletes their rows', async () => {
    const sends: SmsStatusPayload[][] = [];
    const sender: StatusEventSender = { publish: async (_topic, payloads) => void sends.push([...payloads]) };
    const publisher = new CommittedEventPublisher(sender, outbox, 0);
    const batches = await Promise.all([committed(), committed(2), committed()]);
    await Promise.all(batches.map((batch) => publisher.publish(batch)));
    expect(sends).toEqual([batches.flatMap((b) => b.events)]);
    await publisher.idle();
    expect(await remaining(batches.map((b) => b.id))).toBe(0);
  });

  it("keeps a row until every event it names is sent, when the statement's writers hand them over apart", async () => {
    const sent: string[] = [];
    const publisher = new CommittedEventPublisher({ publish: async (_topic, payloads) => void sent.push(...payloads.map((p) => p.messageUuid)) }, outbox, 0);
    const batch = await committed(3);
    await publisher.publish(part(batch, 0, 1));
    await publisher.idle();
    expect(await remaining([batch.id])).toBe(1);
    await publisher.publish(part(batch, 1, 2));
    await publisher.idle();
    expect(await remaining([batch.id])).toBe(1);
    await publisher.publish(part(batch, 2, 3));
    await publisher.idle();
    expect(await remaining([batch.id])).toBe(0);
    expect(sent).toEqual(batch.events.map((e) => e.messageUuid));
  });

  it('deletes the rows of the sends within its delete linger with one statement, at the latest when it is made idle', async () => {
    const deletes: string[][] = [];
    const counting = Object.assign(Object.create(outbox) as StatusOutboxRepository, {
      delete: (ids: readonly string[]) => (deletes.push([...ids]), outbox.delete(ids)),
    });
    const sender: StatusEventSender = { publish: async () => undefined };
    const publisher = new CommittedEventPublisher(sender, counting, 0, 60_000);
    const first = await committed();
    await publisher.publish(first);
    const second = await committed();
    await publisher.publish(second);
    expect(deletes).toEqual([]);
    expect(await remaining([first.id, second.id])).toBe(2);
    await publisher.idle();
    expect(deletes).toEqual([[first.id, second.id]]);
    expect(await remaining([first.id, second.id])).toBe(0);
  });

  it('deletes on its own once the delete linger has passed', async () => {
    const publisher = new CommittedEventPublisher({ publish: async () => undefined }, outbox, 0, 1);
    const batch = await committed();
    await publisher.publish(batch);
    for (let i = 0; i < 200 && (await remaining([batch.id])) > 0; i += 1) await new Promise((r) => setTimeout(r, 25));
    expect(await remaining([batch.id])).toBe(0);
  });

  it('leaves the rows to the outbox sweep when the send fails, and does not reject', async () => {
    const sender: StatusEventSender = { publish: () => Promise.reject(new Error('the broker is away')) };
    const publisher = new CommittedEventPublisher(sender, outbox, 5);
    const batch = await committed();
    await expect(publisher.publish(batch)).resolves.toBeUndefined();
    expect(await remaining([batch.id])).toBe(1);
    await outbox.delete([batch.id]);
  });
});
