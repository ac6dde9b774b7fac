// patches/kafkajs+2.2.4.patch also makes kafkajs's produce path cheaper without changing a byte
// it sends: its Encoder takes buffers without zero-filling them (only the bytes it wrote are
// ever read), and murmur2, which picks a keyed record's partition, runs in 32-bit integer
// arithmetic instead of on Long objects. These tests pin what must not change: the partition
// of every key (the same as Java's clients give it) and the bytes of an encoded batch.
import { Kafka, Partitioners, type PartitionMetadata } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { RecordFinder } from './record-finder';
import { Topic } from '@sluice/contracts';

interface RecordBatchInput {
  readonly compression: number;
  readonly firstOffset: unknown;
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: unknown;
  readonly producerEpoch: number;
  readonly firstSequence: number;
  readonly records: unknown[];
}
interface EncoderLike {
  readonly buffer: Buffer;
}
interface DecoderLike {
  readonly buffer: Buffer;
}
interface DecodedBatch {
  readonly records: Array<{ key: Buffer; value: Buffer; headers: Record<string, Buffer>; offset: string }>;
}

// kafkajs exports no types for its internals; they are loaded from its source files.
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (input: RecordBatchInput) => Promise<EncoderLike> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: Record<string, unknown>) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: DecoderLike) => Promise<DecodedBatch>;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => DecoderLike;
const Long = require('kafkajs/src/utils/long') as { fromInt(value: number): unknown; fromValue(value: number): unknown };

/** murmur2 of these keys, from Apache Kafka's own test of its Java clients (UtilsTest.testMurmur2). */
const JAVA_MURMUR2: ReadonlyArray<readonly [string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

function partitionMetadata(partitions: number): PartitionMetadata[] {
  return Array.from({ length: partitions }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }));
}

describe('kafkajs as patched', () => {
  it("gives every keyed record the partition Java's default partitioner gives it", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    const finder = new RecordFinder(new Kafka({ brokers: ['127.0.0.1:1'] }), Topic.SmsStatus, 'test');
    for (const partitions of [1, 3, 12, 31]) {
      for (const [key, hash] of JAVA_MURMUR2) {
        const expected = (hash & 0x7fffffff) % partitions;
        expect(partitioner({ topic: 't', partitionMetadata: partitionMetadata(partitions), message: { key, value: null } })).toBe(expected);
        expect(finder.partitionOf(key, partitions)).toBe(expected);
      }
    }
  });

  it('encodes a record batch to the same bytes whatever the memory it reuses held', async () => {
    const records = Array.from({ length: 40 }, (_, i) =>
      Record({
        key: Buffer.from(`6f1c3c5e-9a0b-4c1e-8f33-${String(i).padStart(12, '0')}`),
        value: Buffer.from(JSON.stringify({ n: i, text: 'x'.repeat(i * 13) })),
        headers: { 'content-type': Buffer.from('application/json') },
        offsetDelta: i,
        timestampDelta: i,
      }),
    );
    const encode = async (): Promise<Buffer> =>
      Buffer.from(
        (
          await RecordBatch({
            compression: 0,
            firstOffset: Long.fromInt(0),
            firstTimestamp: 1_700_000_000_000,
            maxTimestamp: 1_700_000_000_039,
            producerId: Long.fromValue(7),
            producerEpoch: 0,
            firstSequence: 0,
            records,
          })
        ).buffer,
      );
    const first = await encode();
    // Leave garbage in the memory the next encoders are likely to be handed.
    for (let i = 0; i < 64; i += 1) Buffer.allocUnsafe(512 << i % 6).fill(randomBytes(1)[0] ?? 0xaa);
    const second = await encode();
    expect(second.equals(first)).toBe(true);

    const decoded = await decodeBatch(new Decoder(first));
    expect(decoded.records.map((r) => r.key.toString())).toEqual(Array.from({ length: 40 }, (_, i) => `6f1c3c5e-9a0b-4c1e-8f33-${String(i).padStart(12, '0')}`));
    expect(decoded.records.map((r) => JSON.parse(r.value.toString()) as { n: number }).map((v) => v.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(decoded.records.every((r) => r.headers['content-type']?.toString() === 'application/json')).toBe(true);
  });
});
