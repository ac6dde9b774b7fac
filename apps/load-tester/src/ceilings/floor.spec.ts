import { floorLines, OperationCost } from './floor';

const op = (name: string, usPerOperation: Record<string, number>): OperationCost => ({ name, operations: 1_000, seconds: 1, how: '', usPerOperation });

const measured: OperationCost[] = [
  op('HTTP send accepted (202 JSON)', { client: 30, fastify: 33 }),
  op('HTTP callback sent (undici)', { client: 30, fastify: 27 }),
  op('HTTP callback sent (node:http)', { client: 75, fastify: 39 }),
  op('Kafka record produced', { client: 22, kafka: 3 }),
  op('Kafka record consumed', { client: 5, kafka: 1 }),
  op('Postgres row inserted', { client: 3, postgres: 12 }),
  op('Postgres row updated (guarded)', { client: 2, postgres: 16 }),
  op('Redis command', { client: 7, redis: 6 }),
];
const infrastructure = ['postgres', 'redis', 'kafka'];

describe('floorLines', () => {
  it('counts the fewest operations a message needs, each at its platform-side cost', () => {
    const lines = floorLines(measured, infrastructure);
    const by = new Map(lines.map((l) => [l.what.replace(/ \(.*$/, ''), l]));
    expect(by.get('send accepted over HTTP')).toMatchObject({ perMessage: 1, platformUs: 33, harnessUs: 30 });
    expect(by.get('Kafka record produced')).toMatchObject({ perMessage: 4, platformUs: 25 });
    expect(by.get('Kafka record consumed')).toMatchObject({ perMessage: 4, platformUs: 6 });
    expect(by.get('Postgres row inserted')).toMatchObject({ perMessage: 1, platformUs: 15, postgresUs: 12 });
    expect(by.get('Postgres row updated, guarded')).toMatchObject({ perMessage: 2, platformUs: 18, postgresUs: 16 });
    expect(by.get('Redis command')).toMatchObject({ perMessage: 2, platformUs: 13 });
  });

  it('takes the cheaper HTTP client for callbacks, and charges the receiver to the harness', () => {
    const callback = floorLines(measured, infrastructure).find((l) => l.what.startsWith('status callback sent'));
    expect(callback).toMatchObject({ what: 'status callback sent (undici, client side)', perMessage: 3, platformUs: 30, harnessUs: 27 });
    const slowUndici = measured.map((c) => (c.name === 'HTTP callback sent (undici)' ? op(c.name, { client: 90, fastify: 27 }) : c));
    expect(floorLines(slowUndici, infrastructure).find((l) => l.what.startsWith('status callback sent'))).toMatchObject({ what: 'status callback sent (node:http, client side)', platformUs: 75 });
  });

  it('keeps callback attempts in the cheaper of a Postgres row and a Kafka record', () => {
    const inPostgres = floorLines(measured, infrastructure).find((l) => l.what.startsWith('callback attempt kept'));
    expect(inPostgres).toMatchObject({ what: 'callback attempt kept (Postgres row)', perMessage: 3, platformUs: 15, postgresUs: 12 });
    const dearPostgres = measured.map((c) => (c.name === 'Postgres row inserted' ? op(c.name, { client: 3, postgres: 40 }) : c));
    expect(floorLines(dearPostgres, infrastructure).find((l) => l.what.startsWith('callback attempt kept'))).toMatchObject({ what: 'callback attempt kept (Kafka record)', platformUs: 25, postgresUs: 0 });
  });

  it('refuses to add up a floor with a piece not measured', () => {
    expect(() => floorLines(measured.filter((c) => c.name !== 'Redis command'), infrastructure)).toThrow('Redis command was not measured');
  });
});
