// One HTTP attempt of a callback: connects only to addresses the policy accepts, never
// follows a redirect, gives up at the timeout, and reads at most a capped response.
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

  /**
   * Resolves with the outcome; never rejects. The request goes through `dispatch` with a
   * handler of its own, not `request`: no response stream and no async iteration of it,
   * 7–29 % less CPU a request in `npm run bench:callback-client` (docs/benchmarks.md).
   */
  send(callback: CallbackRequest): Promise<AttemptOutcome> {
    const started = performance.now();
    const outcome = (kind: AttemptKind, httpStatus: number | null, error: string | null, body?: string): AttemptOutcome => ({
      kind,
      httpStatus,
      latencyMs: Math.round(performance.now() - started),
      error,
      ...(body !== undefined ? { body } : {}),
    });
    const refusal = this.policy.refusalForUrl(callback.url);
    if (refusal) return Promise.resolve({ kind: AttemptKind.Refused, httpStatus: null, latencyMs: 0, error: `refused: ${refusal}` });

    return new Promise<AttemptOutcome>((resolve) => {
      let controller: Dispatcher.DispatchController | null = null;
      let status: number | null = null;
      let settled = false;
      let received = 0;
      const chunks: Buffer[] = [];
      const finish = (result: AttemptOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      /** Ends the attempt now; a request still under way (or still waiting for a connection) is aborted and its connection dropped. */
      const stop = (result: AttemptOutcome, reason: string): void => {
        finish(result);
        if (controller && !controller.aborted) controller.abort(new Error(reason));
      };
      const timer = setTimeout(() => {
        // Once a status has arrived it decides: a body cut off by the timeout is not read further.
        const timedOut = `no response within ${this.options.timeoutMs} ms`;
        stop(status === null ? outcome(AttemptKind.Timeout, null, timedOut) : outcome(kindOfStatus(status), status, null), timedOut);
      }, this.options.timeoutMs);
      this.agent.dispatch(
        {
          origin: callback.url.origin,
          path: `${callback.url.pathname}${callback.url.search}`,
          method: callback.method,
          headers: callback.headers,
          body: callback.body,
        },
        {
          onRequestStart: (started) => {
            controller = started;
            // Given up while it waited for a connection: it is not sent.
            if (settled) started.abort(new Error('the attempt has ended'));
          },
          onResponseStart: (_controller, statusCode) => {
            // An interim answer (1xx) decides nothing; the final one follows.
            if (statusCode >= 200) status = statusCode;
          },
          onResponseData: (_controller, chunk) => {
            received += chunk.length;
            // The rest of an oversized answer is not read and its connection is dropped.
            if (received > this.options.maxResponseBytes) stop(outcome(kindOfStatus(status), status, null), 'the answer is over the size cap');
            else if (callback.readBody) chunks.push(chunk);
          },
          onResponseEnd: () => {
            finish(outcome(kindOfStatus(status), status, null, callback.readBody ? Buffer.concat(chunks).toString('utf8') : undefined));
          },
          onResponseError: (_controller, error) => {
            // Once a status has arrived it decides: a body cut short is not an error of the attempt.
            if (status !== null) return finish(outcome(kindOfStatus(status), status, null));
            const refused = refusedBy(error);
            if (refused) return finish(outcome(AttemptKind.Refused, null, `refused: ${refused.message}`));
            finish(outcome(AttemptKind.NetworkError, null, describe(error)));
          },
        },
      );
    });
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
