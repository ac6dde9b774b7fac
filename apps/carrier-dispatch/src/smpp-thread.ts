// The SMPP binds as the dispatcher and the receipts see them: SmppRoutes run on a worker thread (smpp-worker.ts).
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import type { CarrierId } from '@sluice/contracts';
import type * as smpp from 'smpp';
import { type DeliverHandler, SmppTimeoutError, SmppUnavailableError, type SubmitResult } from './smpp-client';
import { type BindCounts, type FromSmppThread, type SmppThreadSettings, type SubmitFailure, type ToSmppThread, TurnBatches, withBuffers } from './smpp-thread-protocol';

/** A thread that stopped unasked is started again after this long. */
const RESTART_AFTER_MS = 1_000;
/** How long `stop` waits for the binds to unbind before ending the thread. */
const STOP_TIMEOUT_MS = 5_000;

/**
 * The dispatcher's binds, on a thread that does nothing else. A chained hand-off (one that
 * may go a window after the carrier's answer to another) is only as punctual as the thread
 * that writes it and reads that answer: on the main thread, every Postgres, Redis and Kafka
 * callback in the way made each link of a chain later, and each link's lateness is carried
 * by all the links after it. Here a submit waits for its moment (`notBefore`) and its answer
 * is stamped as it is read, on the same clock as the main thread's (`preciseNowMs`).
 *
 * If the thread dies, the submits it had get SmppTimeoutError (they may have reached the
 * carrier), no bind counts as up, and a new thread starts a second later.
 */
export class SmppThread {
  private readonly logger = new Logger(SmppThread.name);
  private worker: Worker | null = null;
  /** What goes to the running thread; a thread started again gets a new one, so nothing meant for the one before reaches it. */
  private outbox: TurnBatches<ToSmppThread> | null = null;
  private nextId = 0;
  private readonly submits = new Map<number, { resolve: (result: SubmitResult) => void; reject: (error: Error) => void }>();
  private binds: BindCounts = [];
  private readonly boundListeners: Array<() => void> = [];
  private deliverHandler: DeliverHandler = async () => undefined;
  private stopping = false;
  private onStopped: (() => void) | null = null;

  constructor(private readonly settings: SmppThreadSettings) {}

  start(): void {
    this.stopping = false;
    const worker = new Worker(join(__dirname, 'smpp-worker.js'), { workerData: this.settings });
    worker.on('message', (events: FromSmppThread[]) => {
      for (const event of events) this.onEvent(worker, event);
    });
    worker.on('error', (error: Error) => this.logger.error({ err: error }, 'the SMPP thread failed'));
    worker.on('exit', (code) => this.onExit(worker, code));
    this.worker = worker;
    this.outbox = new TurnBatches((batch) => worker.postMessage(batch));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
      this.onStopped = () => {
        clearTimeout(timer);
        resolve();
      };
      this.post({ type: 'stop' });
    });
    await worker.terminate();
    this.worker = null;
    this.outbox = null;
  }

  /** Who takes every bind's deliver_sm, on every route. */
  onDeliver(handler: DeliverHandler): void {
    this.deliverHandler = handler;
  }

  /** Called each time a bind comes up, on any route. */
  onBound(listener: () => void): void {
    this.boundListeners.push(listener);
  }

  /** Some route can submit. */
  anyBound(): boolean {
    return this.binds.some((b) => b.up > 0);
  }

  /** Routes with no bind up, by name (all of them while the thread starts). */
  unbound(): string[] {
    if (this.binds.length === 0) return ['every route (the SMPP thread is starting)'];
    return this.binds.filter((b) => b.up === 0).map((b) => b.route);
  }

  bindsUp(): Array<{ route: string; up: number }> {
    return this.binds.map((b) => ({ ...b }));
  }

  /** Submits one PDU on the carrier's route; written no earlier than `notBefore` (`preciseNowMs`) when given. */
  submit(carrier: CarrierId | undefined, fields: smpp.PduOptions, notBefore?: number): Promise<SubmitResult> {
    if (!this.worker) return Promise.reject(new SmppUnavailableError('the SMPP thread is not running'));
    this.nextId += 1;
    const id = this.nextId;
    return new Promise<SubmitResult>((resolve, reject) => {
      this.submits.set(id, { resolve, reject });
      this.post({ type: 'submit', id, carrier, fields, ...(notBefore === undefined ? {} : { notBefore }) });
    });
  }

  private post(request: ToSmppThread): void {
    this.outbox?.post(request);
  }

  private onEvent(worker: Worker, event: FromSmppThread): void {
    if (worker !== this.worker) return;
    switch (event.type) {
      case 'submitted':
        this.takeSubmit(event.id)?.resolve(event.result);
        return;
      case 'failed':
        this.takeSubmit(event.id)?.reject(errorFor(event.failure, event.message));
        return;
      case 'binds':
        this.binds = event.binds;
        if (event.up) for (const listener of this.boundListeners) listener();
        return;
      case 'deliver':
        // A PDU's fields without its methods: the handlers read fields only, and the thread sends the response.
        this.deliverHandler(withBuffers(event.pdu) as unknown as smpp.PDU).then(
          (status) => this.post({ type: 'delivered', id: event.id, status: status ?? 0 }),
          () => this.post({ type: 'delivered', id: event.id, status: null }),
        );
        return;
      case 'log':
        Logger[event.level](...(event.args as [unknown, ...unknown[]]));
        return;
      case 'stopped':
        this.onStopped?.();
        return;
    }
  }

  private takeSubmit(id: number): { resolve: (result: SubmitResult) => void; reject: (error: Error) => void } | undefined {
    const pending = this.submits.get(id);
    this.submits.delete(id);
    return pending;
  }

  private onExit(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    this.worker = null;
    this.outbox = null;
    this.binds = [];
    // Written or not, nobody can tell: as a submit the carrier never answered.
    for (const [id, pending] of this.submits) {
      this.submits.delete(id);
      pending.reject(new SmppTimeoutError('the SMPP thread stopped before the carrier answered'));
    }
    if (this.stopping) return;
    this.logger.error({ code }, 'the SMPP thread stopped; starting it again');
    setTimeout(() => {
      if (!this.stopping && !this.worker) this.start();
    }, RESTART_AFTER_MS).unref();
  }
}

function errorFor(failure: SubmitFailure, message: string): Error {
  switch (failure) {
    case 'unavailable':
      return new SmppUnavailableError(message);
    case 'timeout':
      return new SmppTimeoutError(message);
    case 'failed':
      return new Error(message);
  }
}
