// The carrier-simulator's HTTP record: the witness of what reached the carrier, and when.

export interface Submission {
  readonly seq: number;
  readonly receivedAt: number;
  readonly carrierMessageId: string;
  readonly source: string;
  readonly destination: string;
  readonly carrier: string;
  readonly textSha256: string;
  readonly parts?: { readonly ref: number; readonly total: number; readonly seq: number };
  readonly receipt?: { readonly status: string; readonly sentAt: number };
  /** Present on refused submissions only: `throttled`, `rejected` or `unanswered`. */
  readonly status?: string;
}

export interface DuplicateReport {
  readonly groups: number;
  readonly extraSubmissions: number;
}

export class SimulatorClient {
  constructor(readonly baseUrl: string) {}

  async reset(): Promise<void> {
    await this.call('POST', '/simulator/reset');
  }

  /** Applies a CARRIER_PROFILES document (`default` and `carriers.<id>`) through the API. */
  async applyProfiles(document: Record<string, unknown>): Promise<void> {
    if (document['default'] !== undefined) await this.call('PUT', '/simulator/profiles/default', document['default']);
    const carriers = (document['carriers'] ?? {}) as Record<string, unknown>;
    for (const [carrier, profile] of Object.entries(carriers)) await this.call('PUT', `/simulator/profiles/${carrier}`, profile);
  }

  async restoreProfiles(): Promise<void> {
    await this.call('DELETE', '/simulator/profiles');
  }

  /** Accepted submissions received at or after `since` (every status with `all`). */
  async count(query: Record<string, string | number>): Promise<{ total: number; maxInWindow: number }> {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    return (await this.call('GET', `/simulator/submissions/count?${params}`)) as { total: number; maxInWindow: number };
  }

  /** The carrier goes away: binds closed and refused until `until` (epoch ms), when it comes back by itself. */
  async startOutage(seconds: number): Promise<{ until: number; dropped: number }> {
    return (await this.call('POST', '/simulator/outage', { seconds })) as { until: number; dropped: number };
  }

  async endOutage(): Promise<void> {
    await this.call('DELETE', '/simulator/outage');
  }

  async duplicates(): Promise<DuplicateReport> {
    return (await this.call('GET', '/simulator/duplicates?limit=1')) as DuplicateReport;
  }

  /** Every submission (any status) since `since`, oldest first, paging through the record. */
  async submissionsSince(since: number): Promise<Submission[]> {
    const all: Submission[] = [];
    let from = Math.floor(since);
    let lastSeq = 0;
    for (;;) {
      const page = (await this.call('GET', `/simulator/submissions?status=all&since=${from}&limit=100000`)) as Submission[];
      const fresh = page.filter((s) => s.seq > lastSeq);
      all.push(...fresh);
      const last = fresh[fresh.length - 1];
      if (page.length < 100_000 || !last) return all;
      lastSeq = last.seq;
      from = last.receivedAt;
    }
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`carrier-simulator ${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}
