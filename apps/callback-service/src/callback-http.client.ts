// One HTTP attempt of a callback: connects only to addresses the policy accepts, never
// follows a redirect, gives up at the timeout, and reads at most a capped response.
import { EventEmitter } from 'node:events';
import { AddressPolicy, AddressRefusedError } from '@sluice/net-policy';
import { Agent, Dispatcher } from 'undici';
import type { CallbackRequest } from './callback-request';
import { AttemptKind } from './retry-policy';

export interface AttemptOutcome {
  readonly kind: AttemptKind;
  readonly httpStatus: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  /** The answer's body, when the request asked for it and it arrived whole within the cap. */
  readonly body?: string;
}

export interface HttpClientOptions {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Sockets kept per destination; matches the per-destination concurrency. */
  readonly socketsPerDestination: number;
}

/**
 * undici, not `node:http`: the same request costs about half the CPU (`npm run bench:floor`,
 * docs/benchmarks.md). Every new connection resolves its host through the address policy.
 */
export class CallbackHttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly policy: AddressPolicy,
    private readonly options: HttpClientOptions,
  ) {
    this.agent = new Agent({
      connections: options.socketsPerDestination,
      // The attempt's own timer decides; undici's would only race it.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { lookup: policy.lookup },
    });
  }

  /** Resolves with the outcome; never rejects. */
  async send(callback: CallbackRequest): Promise<AttemptOutcome> {
    const started = performance.now();
    const outcome = (kind: AttemptKind, httpStatus: number | null, error: string | null, body?: string): AttemptOutcome => ({
      kind,
      httpStatus,
      latencyMs: Math.round(performance.now() - started),
      error,
      ...(body !== undefined ? { body } : {}),
    });
    const refusal = this.policy.refusalForUrl(callback.url);
    if (refusal) return { kind: AttemptKind.Refused, httpStatus: null, latencyMs: 0, error: `refused: ${refusal}` };

    // undici takes an EventEmitter as the abort signal: an AbortController and its EventTarget
    // listeners cost about 4 % of this service's CPU, one per callback.
    const abort = new EventEmitter();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.emit('abort');
    }, this.options.timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.agent.request({
        origin: callback.url.origin,
        path: `${callback.url.pathname}${callback.url.search}`,
        method: callback.method,
        headers: callback.headers,
        body: callback.body,
        signal: abort,
      });
    } catch (error: unknown) {
      clearTimeout(timer);
      if (timedOut) return outcome(AttemptKind.Timeout, null, `no response within ${this.options.timeoutMs} ms`);
      const refused = refusedBy(error);
      if (refused) return outcome(AttemptKind.Refused, null, `refused: ${refused.message}`);
      return outcome(AttemptKind.NetworkError, null, describe(error));
    }
    // Once a status has arrived it decides: a body cut off by the timeout, cut short, or over the cap is not read further.
    const status = response.statusCode;
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > this.options.maxResponseBytes) {
          // The rest of an oversized answer is not read and its connection is dropped.
          response.body.destroy();
          return outcome(kindOfStatus(status), status, null);
        }
        if (callback.readBody) chunks.push(chunk);
      }
    } catch {
      return outcome(kindOfStatus(status), status, null);
    } finally {
      clearTimeout(timer);
    }
    return outcome(kindOfStatus(status), status, null, callback.readBody ? Buffer.concat(chunks).toString('utf8') : undefined);
  }

  close(): void {
    void this.agent.destroy();
  }
}

/** The address policy's refusal, as thrown by its lookup, however undici passed it on. */
function refusedBy(error: unknown): AddressRefusedError | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    if (e instanceof AddressRefusedError) return e;
  }
  return null;
}

function kindOfStatus(status: number | null): AttemptKind {
  return status !== null && status >= 200 && status < 300 ? AttemptKind.Success : AttemptKind.HttpError;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
