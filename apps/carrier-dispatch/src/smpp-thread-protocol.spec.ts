import { MessageChannel } from 'node:worker_threads';
import { TurnBatches, withBuffers } from './smpp-thread-protocol';

/** What a value looks like on the other side of a thread boundary (the structured clone postMessage makes). */
async function acrossThreads<T>(value: T): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  const received = new Promise<T>((resolve) => port2.once('message', resolve));
  port1.postMessage(value);
  const copy = await received;
  port1.close();
  return copy;
}

describe('withBuffers', () => {
  it('makes Buffers again of the bytes a PDU carried across threads, at the top level and in a short_message of udh and text', async () => {
    const sent = { source_addr: '15550001111', short_message: Buffer.from([0x69, 0x64, 0x3a]), nested: { udh: Buffer.from([5, 0, 3, 7, 2, 1]), message: 'part one' }, esm_class: 4 };
    const copy = await acrossThreads(sent);
    expect(Buffer.isBuffer(copy.short_message)).toBe(false);
    const revived = withBuffers(copy);
    expect(Buffer.isBuffer(revived.short_message)).toBe(true);
    expect(revived.short_message.equals(sent.short_message)).toBe(true);
    expect(Buffer.isBuffer(revived.nested.udh)).toBe(true);
    expect(revived.nested.udh.equals(sent.nested.udh)).toBe(true);
    expect(revived).toMatchObject({ source_addr: '15550001111', esm_class: 4, nested: { message: 'part one' } });
  });

  it('leaves Buffers, strings, numbers, arrays and absent fields as they are', () => {
    const bytes = Buffer.from('abc');
    const fields = { a: bytes, b: 'text', c: 3, d: [1, 2], e: undefined, f: null };
    const revived = withBuffers(fields);
    expect(revived.a).toBe(bytes);
    expect(revived).toEqual(fields);
  });
});

describe('TurnBatches', () => {
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('sends what one turn posted as one batch, in order, and what a later turn posts as another', async () => {
    const sent: number[][] = [];
    const batches = new TurnBatches<number>((batch) => sent.push(batch));
    batches.post(1);
    await Promise.resolve();
    batches.post(2);
    batches.post(3);
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual([[1, 2, 3]]);
    batches.post(4);
    await nextTurn();
    expect(sent).toEqual([[1, 2, 3], [4]]);
    await nextTurn();
    expect(sent).toHaveLength(2);
  });
});
