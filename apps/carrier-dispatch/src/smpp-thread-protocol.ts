// What the dispatcher's main thread and its SMPP thread (smpp-worker.ts) say to each other.
import type { CarrierId } from '@sluice/contracts';
import type * as smpp from 'smpp';
import type { SmppRouteSettings } from './dispatch.config';
import type { SubmitResult } from './smpp-client';
import type { SmppLinkSettings } from './smpp-routes';

/** The SmppRoutes the thread runs: its constructor's arguments. */
export interface SmppThreadSettings {
  readonly defaultRoute: SmppRouteSettings & { readonly binds: number };
  readonly perCarrier: Partial<Record<CarrierId, SmppRouteSettings>>;
  readonly link: SmppLinkSettings;
}

export type BindCounts = ReadonlyArray<{ readonly route: string; readonly up: number }>;

/** How a submit that got no answer ended: the errors of smpp-client.ts, by name (an Error's class does not cross threads). */
export type SubmitFailure = 'unavailable' | 'timeout' | 'failed';

export type ToSmppThread =
  /** `notBefore`: the moment (`preciseNowMs`, the same clock on every thread) before which it must not be written. */
  | { readonly type: 'submit'; readonly id: number; readonly carrier: CarrierId | undefined; readonly fields: smpp.PduOptions; readonly notBefore?: number }
  /** The answer to a deliver_sm: its command_status, or null when the handler failed (ESME_RX_T_APPN). */
  | { readonly type: 'delivered'; readonly id: number; readonly status: number | null }
  | { readonly type: 'stop' };

export type FromSmppThread =
  | { readonly type: 'submitted'; readonly id: number; readonly result: SubmitResult }
  | { readonly type: 'failed'; readonly id: number; readonly failure: SubmitFailure; readonly message: string }
  /** Binds up by route, each time one comes up (`up`) or goes down. */
  | { readonly type: 'binds'; readonly binds: BindCounts; readonly up: boolean }
  /** A deliver_sm's fields, answered by a `delivered` of the same id. */
  | { readonly type: 'deliver'; readonly id: number; readonly pdu: Record<string, unknown> }
  /** A log call of the thread's, made again on the main thread's logger. */
  | { readonly type: 'log'; readonly level: LogLevel; readonly args: unknown[] }
  | { readonly type: 'stopped' };

export type LogLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose';

/**
 * Each side posts what one turn of its event loop produced as one array, in order. Every
 * postMessage is a structured clone and a wake-up of the other thread: a submit and its answer
 * one message each took 11.6 µs of CPU, against 5.0 in fours (docs/benchmarks.md). The batch
 * goes out at the end of the turn (setImmediate), before any timer of the next.
 */
export class TurnBatches<T> {
  private pending: T[] = [];

  constructor(private readonly send: (batch: T[]) => void) {}

  post(message: T): void {
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(message);
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.send(batch);
  }
}

/**
 * A Buffer crosses threads as a Uint8Array: this makes Buffers of them again (at the top
 * level and one level down, as in a PDU's fields and a short_message of udh and text), so
 * the smpp package and the receipt parser find the type they read.
 */
export function withBuffers<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = asBuffer(field, true);
  return out as T;
}

function asBuffer(field: unknown, nested: boolean): unknown {
  if (field instanceof Uint8Array) return Buffer.isBuffer(field) ? field : Buffer.from(field.buffer, field.byteOffset, field.byteLength);
  if (nested && field !== null && typeof field === 'object' && !Array.isArray(field)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(field)) out[key] = asBuffer(inner, false);
    return out;
  }
  return field;
}
