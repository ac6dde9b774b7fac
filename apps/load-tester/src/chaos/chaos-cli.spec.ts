import { UsageError } from '../cli';
import { chaosOptions } from './chaos-cli';
import { CHAOS_DATA_DIR, CHAOS_PORTS, portProblems, SHARED_PORTS } from './chaos-infra';

describe('chaos command line', () => {
  it('takes a scenario by name, on infrastructure of its own run by default, and a fixed one to keep', () => {
    const options = chaosOptions(['short']);
    expect(options.scenario?.name).toBe('short');
    expect(options).toEqual(expect.objectContaining({ ports: null, dataDir: null, keepInfra: false }));
    expect(chaosOptions(['short', '--keep-infra'])).toEqual(expect.objectContaining({ ports: CHAOS_PORTS, dataDir: CHAOS_DATA_DIR, keepInfra: true }));
    const ports = ['--pg-port', '25001', '--redis-port', '25002', '--kafka-port', '25003', '--kafka-controller-port', '25004'];
    expect(chaosOptions(['short', ...ports]).ports).toEqual({ postgres: 25_001, redis: 25_002, kafka: 25_003, kafkaController: 25_004 });
    expect(() => chaosOptions(['short', '--pg-port', '25001'])).toThrow(/all four of --pg-port/);
  });

  it('changes the rate, and prints lines in CI', () => {
    const options = chaosOptions(['kill-kafka', '--rate', '50', '--ci', '--keep-infra', '--app-env', 'carrier-dispatch:SMPP_WINDOW=10']);
    expect(options.scenario).toEqual(expect.objectContaining({ name: 'kill-kafka', rate: 50 }));
    expect(options).toEqual(expect.objectContaining({ ci: true, progress: 'lines', keepInfra: true, appEnv: { 'carrier-dispatch': { SMPP_WINDOW: '10' } } }));
  });

  it('refuses the shared infrastructure, an unknown scenario and a stray option with a sentence', () => {
    const shared = ['--pg-port', String(SHARED_PORTS.postgres), '--redis-port', '25002', '--kafka-port', '25003', '--kafka-controller-port', '25004'];
    expect(() => chaosOptions(['short', ...shared])).toThrow(/postgres port 55432 is one of the shared infrastructure's/);
    expect(() => chaosOptions(['nope'])).toThrow(UsageError);
    expect(() => chaosOptions(['nope'])).toThrow(/no chaos scenario "nope" \(known: short, all, /);
    expect(() => chaosOptions(['short', '--start-platform', 'x'])).toThrow(/unknown option --start-platform/);
    expect(() => chaosOptions([])).toThrow(/give exactly one scenario/);
  });

  it('finds every port of the shared infrastructure and a port used twice', () => {
    expect(portProblems(CHAOS_PORTS)).toEqual([]);
    expect(portProblems(SHARED_PORTS)).toHaveLength(4);
    expect(portProblems({ ...CHAOS_PORTS, redis: CHAOS_PORTS.postgres })).toEqual([expect.stringMatching(/must differ/)]);
  });
});
