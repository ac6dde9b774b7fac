// Turns a scenario's mixes into concrete sends: account, sender, destinations, text, expiry, callback.
import { DEFAULT_CARRIER_PREFIXES, must } from '@sluice/contracts';
import { countUnits } from '@sluice/domain';
import { randomInt } from 'node:crypto';
import type { SeededAccount } from '../fixtures/seeder';
import { entriesOf, seededRandom, smoothRoundRobin, weightedPicker } from './mix';
import type { CarrierKey, Scenario } from './scenario';
import { makeText } from './texts';

export interface PlannedDestination {
  readonly number: string;
  readonly carrier: CarrierKey;
}

export interface PlannedSend {
  readonly account: SeededAccount;
  readonly src: string;
  readonly destinations: readonly PlannedDestination[];
  /** Carrier submissions each destination costs. */
  readonly units: number;
  readonly expirySeconds: number | null;
  readonly callback: boolean;
  /** The JSON request body. */
  readonly body: string;
}

/**
 * Destinations are unique within a run (a counter per prefix from a random start), so each
 * carrier submission can be traced to its message by destination alone.
 */
class DestinationPool {
  private readonly counters = new Map<string, number>();
  private readonly prefixes: Record<CarrierKey, string[]>;

  constructor() {
    this.prefixes = { att: [], tmobile: [], verizon: [], rogers: [] };
    for (const [prefix, carrier] of DEFAULT_CARRIER_PREFIXES) {
      if (carrier in this.prefixes) this.prefixes[carrier as CarrierKey].push(prefix);
    }
  }

  next(carrier: CarrierKey): string {
    const prefixes = this.prefixes[carrier];
    const prefix = prefixes[(this.counters.get(`#${carrier}`) ?? 0) % prefixes.length];
    this.counters.set(`#${carrier}`, (this.counters.get(`#${carrier}`) ?? 0) + 1);
    // 8,000,000 numbers per prefix: the exchange must start with 2-9 to be dialable.
    const n = this.counters.get(prefix) ?? randomInt(8_000_000);
    this.counters.set(prefix, (n + 1) % 8_000_000);
    return `${prefix}${2 + Math.floor(n / 1_000_000)}${String(n % 1_000_000).padStart(6, '0')}`;
  }
}

export class TrafficPlan {
  private readonly nextGroup: () => number;
  private readonly groups: Array<{
    accounts: SeededAccount[];
    turn: number;
    carrier: () => CarrierKey;
    text: () => { encoding: 'gsm' | 'ucs2'; units: number };
    expiry: () => number | null;
    method: () => 'POST' | 'GET';
    log: () => string;
  }>;
  private readonly random: () => number;
  private readonly destinations = new DestinationPool();
  private sequence = 0;

  constructor(
    private readonly scenario: Scenario,
    accounts: readonly SeededAccount[],
    private readonly callbackUrl: string,
  ) {
    this.random = seededRandom(scenario.seed);
    this.nextGroup = smoothRoundRobin(scenario.groups.map((g, i) => ({ value: i, weight: g.weight })));
    this.groups = scenario.groups.map((group, index) => ({
      accounts: accounts.filter((a) => a.groupIndex === index),
      turn: 0,
      carrier: weightedPicker(entriesOf(group.carriers), this.random),
      text: weightedPicker(group.texts.map((t) => ({ value: { encoding: t.encoding, units: t.units }, weight: t.weight })), this.random),
      expiry: weightedPicker(group.expiry.map((e) => ({ value: e.seconds, weight: e.weight })), this.random),
      method: weightedPicker(entriesOf(group.callbackMethods), this.random),
      log: weightedPicker(entriesOf(group.log), this.random),
    }));
  }

  next(): PlannedSend {
    const groupIndex = this.nextGroup();
    const spec = this.scenario.groups[groupIndex];
    const group = this.groups[groupIndex];
    const account = must(group.accounts[group.turn % group.accounts.length], `a seeded account in group ${groupIndex}`);
    const numberTurn = Math.floor(group.turn / group.accounts.length);
    group.turn += 1;
    const src = must(account.numbers[numberTurn % account.numbers.length], `a sender number of ${account.authId}`).number;
    this.sequence += 1;

    const destinations = Array.from({ length: spec.destinationsPerRequest }, () => {
      const carrier = group.carrier();
      return { number: this.destinations.next(carrier), carrier };
    });
    const { encoding, units: wantedUnits } = group.text();
    const text = makeText(encoding, wantedUnits, this.random, `#${this.sequence.toString(36)}`);
    const expirySeconds = group.expiry();
    const callback = this.random() < spec.callbacks;
    const log = group.log();
    const body: Record<string, unknown> = { src, dst: destinations.map((d) => d.number).join('<'), text };
    if (expirySeconds !== null) body['message_expiry'] = expirySeconds;
    if (callback) {
      body['url'] = this.callbackUrl;
      body['method'] = group.method();
    }
    if (log !== 'true') body['log'] = log === 'false' ? false : log;
    return { account, src, destinations, units: countUnits(text).units, expirySeconds, callback, body: JSON.stringify(body) };
  }
}
