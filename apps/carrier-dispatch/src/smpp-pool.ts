// Several binds to the carrier, used round-robin: more throughput, and a bind that drops does not stop dispatch.
import type * as smpp from 'smpp';
import { DeliverHandler, SmppClient, SmppClientOptions, SmppUnavailableError, SubmitResult } from './smpp-client';

export class SmppPool {
  private readonly clients: SmppClient[];
  private next = 0;

  constructor(options: SmppClientOptions, binds: number) {
    // The binds take turns at binding again, spread over the retry interval.
    this.clients = Array.from({ length: binds }, (_, i) => new SmppClient({ ...options, retryPhase: i / binds }));
  }

  /** Called each time one of the binds comes up. */
  onBound(listener: () => void): void {
    for (const client of this.clients) client.on('bound', listener);
  }

  /** Called each time one of the binds goes down. */
  onUnbound(listener: () => void): void {
    for (const client of this.clients) client.on('unbound', listener);
  }

  /** Who takes every bind's deliver_sm (receipts and mobile-originated messages). */
  onDeliver(handler: DeliverHandler): void {
    for (const client of this.clients) client.onDeliver(handler);
  }

  start(): void {
    for (const client of this.clients) client.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.stop()));
  }

  boundCount(): number {
    return this.clients.filter((c) => c.isBound()).length;
  }

  isBound(): boolean {
    return this.boundCount() > 0;
  }

  /** Submits on the next bound connection. */
  submit(fields: smpp.PduOptions): Promise<SubmitResult> {
    for (let tried = 0; tried < this.clients.length; tried += 1) {
      const client = this.clients[this.next];
      this.next = (this.next + 1) % this.clients.length;
      if (client.isBound()) return client.submit(fields);
    }
    return Promise.reject(new SmppUnavailableError('no bind to the carrier is up'));
  }
}
