// One HTTP attempt of a callback: connects only to addresses the policy accepts, never
// follows a redirect, gives up at the timeout, and reads at most a capped response.
import { Agent as HttpAgent, ClientRequest, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AddressPolicy, AddressRefusedError } from '@sluice/net-policy';
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

export class CallbackHttpClient {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(
    private readonly policy: AddressPolicy,
    private readonly options: HttpClientOptions,
  ) {
    const agentOptions = { keepAlive: true, maxSockets: options.socketsPerDestination, maxFreeSockets: options.socketsPerDestination, scheduling: 'lifo' as const };
    this.httpAgent = new HttpAgent(agentOptions);
    this.httpsAgent = new HttpsAgent(agentOptions);
  }

  /** Resolves with the outcome; never rejects. */
  send(callback: CallbackRequest): Promise<AttemptOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refusal = this.policy.refusalForUrl(callback.url);
    if (refusal) return Promise.resolve({ kind: AttemptKind.Refused, httpStatus: null, latencyMs: 0, error: `refused: ${refusal}` });

    return new Promise<AttemptOutcome>((resolve) => {
      let settled = false;
      let httpStatus: number | null = null;
      let request: ClientRequest | null = null;
      const chunks: Buffer[] = [];
      const finish = (kind: AttemptKind, error: string | null, body?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ kind, httpStatus, latencyMs: elapsed(), error, ...(body !== undefined ? { body } : {}) });
      };
      const timer = setTimeout(() => {
        // Once a status has arrived it decides; a body still trickling in is cut off.
        if (httpStatus !== null) finish(kindOfStatus(httpStatus), null);
        else finish(AttemptKind.Timeout, `no response within ${this.options.timeoutMs} ms`);
        request?.destroy();
      }, this.options.timeoutMs);

      const isHttps = callback.url.protocol === 'https:';
      const send = isHttps ? httpsRequest : httpRequest;
      const headers: Record<string, string | number> = { ...callback.headers };
      if (callback.body !== null) headers['content-length'] = Buffer.byteLength(callback.body);
      try {
        request = send(callback.url, {
          method: callback.method,
          headers,
          agent: isHttps ? this.httpsAgent : this.httpAgent,
          lookup: this.policy.lookup,
        });
      } catch (error: unknown) {
        finish(AttemptKind.NetworkError, describe(error));
        return;
      }
      request.on('response', (response: IncomingMessage) => {
        httpStatus = response.statusCode ?? null;
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (callback.readBody && received <= this.options.maxResponseBytes) chunks.push(chunk);
          if (received > this.options.maxResponseBytes) {
            // The status decides; the rest of an oversized answer is not read and its connection is dropped.
            finish(kindOfStatus(httpStatus), null);
            response.destroy();
          }
        });
        response.on('end', () => finish(kindOfStatus(httpStatus), null, callback.readBody ? Buffer.concat(chunks).toString('utf8') : undefined));
        response.on('error', () => finish(kindOfStatus(httpStatus), null));
      });
      request.on('error', (error: Error) => {
        if (httpStatus !== null) return finish(kindOfStatus(httpStatus), null);
        if (error instanceof AddressRefusedError) return finish(AttemptKind.Refused, `refused: ${error.message}`);
        return finish(AttemptKind.NetworkError, describe(error));
      });
      request.end(callback.body ?? undefined);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function kindOfStatus(status: number | null): AttemptKind {
  return status !== null && status >= 200 && status < 300 ? AttemptKind.Success : AttemptKind.HttpError;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
