// Sends the messages of a Message XML answer as the account, through the api-gateway's admin
// send endpoint: the Message API's one send path, with every rule it applies.
import { parseMessageXml, ReplyMessage } from './message-xml';

export interface ReplyOutcome {
  readonly messageUuids: readonly string[];
  /** Every problem, one per line: invalid XML, a message the gateway refused or could not take. */
  readonly error: string | null;
  /** Messages sent and not sent, for the metrics. */
  readonly sent: number;
  readonly failed: number;
}

export interface ReplySenderOptions {
  /** The gateway's base URL; null when replies are not configured. */
  readonly gatewayUrl: string | null;
  readonly adminToken: string | null;
  readonly timeoutMs: number;
  /** Waits before each retry of a send the gateway could not take (5xx, 429, no answer). */
  readonly retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [250, 1_000];

export class ReplySender {
  private readonly retryDelaysMs: readonly number[];

  constructor(private readonly options: ReplySenderOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  }

  /** Parses the answer and sends what it asks for; never throws. */
  async answer(accountId: string, body: string): Promise<ReplyOutcome> {
    const parsed = parseMessageXml(body);
    const errors = [...parsed.errors];
    const messageUuids: string[] = [];
    let failed = 0;
    for (const [index, message] of parsed.messages.entries()) {
      const result = await this.send(accountId, message);
      if ('uuids' in result) messageUuids.push(...result.uuids);
      else {
        failed += 1;
        errors.push(`Message ${index + 1}: ${result.error}`);
      }
    }
    return { messageUuids, error: errors.length > 0 ? errors.join('\n') : null, sent: parsed.messages.length - failed, failed };
  }

  private async send(accountId: string, message: ReplyMessage): Promise<{ uuids: string[] } | { error: string }> {
    const { gatewayUrl, adminToken } = this.options;
    if (!gatewayUrl || !adminToken) return { error: 'not sent: GATEWAY_ADMIN_URL is not set in callback-service' };
    const url = `${gatewayUrl.replace(/\/+$/, '')}/admin/v1/accounts/${encodeURIComponent(accountId)}/messages`;
    let last = '';
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        const answer = (await response.json().catch(() => ({}))) as { message_uuid?: unknown; error?: unknown };
        if (response.status === 202 && Array.isArray(answer.message_uuid)) return { uuids: answer.message_uuid.map(String) };
        last = `the gateway answered ${response.status}${typeof answer.error === 'string' ? `: ${answer.error}` : ''}`;
        // A refusal (bad src, dst, text…) is the customer's to fix; only the gateway's own trouble is retried.
        if (response.status < 500 && response.status !== 429) return { error: `not sent: ${last}` };
      } catch (error: unknown) {
        last = `the gateway did not answer (${error instanceof Error ? error.message : String(error)})`;
      }
      const delay = this.retryDelaysMs[attempt];
      if (delay === undefined) return { error: `not sent: ${last}` };
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
