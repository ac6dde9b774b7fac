// The SMPP binds on a thread of their own: a submit is written at its moment and the carrier's
// answer is read as it comes, whatever the main thread (Postgres, Redis, Kafka) is busy with.
import { parentPort, workerData } from 'node:worker_threads';
import { Logger, type LoggerService } from '@nestjs/common';
import { must } from '@sluice/contracts';
import { waitUntilPrecisely } from '@sluice/clock';
import type * as smpp from 'smpp';
import { SmppTimeoutError, SmppUnavailableError } from './smpp-client';
import { SmppRoutes } from './smpp-routes';
import { type FromSmppThread, type LogLevel, type SmppThreadSettings, type SubmitFailure, type ToSmppThread, TurnBatches, withBuffers } from './smpp-thread-protocol';

const port = must(parentPort, 'the port to the main thread');
const settings = workerData as SmppThreadSettings;

const outbox = new TurnBatches<FromSmppThread>((batch) => port.postMessage(batch));

function post(event: FromSmppThread): void {
  outbox.post(event);
}

// The thread's log calls go out through the main thread's logger (structured, with the app's fields).
const forward = (level: LogLevel) => (...args: unknown[]) => post({ type: 'log', level, args });
const forwarding: LoggerService = { log: forward('log'), error: forward('error'), warn: forward('warn'), debug: forward('debug'), verbose: forward('verbose') };
Logger.overrideLogger(forwarding);

const routes = new SmppRoutes(settings.defaultRoute, settings.perCarrier, settings.link);
const deliveries = new Map<number, { resolve: (status: number | void) => void; reject: (error: Error) => void }>();
let nextDelivery = 0;

routes.onBound(() => post({ type: 'binds', binds: routes.bindsUp(), up: true }));
routes.onUnbound(() => post({ type: 'binds', binds: routes.bindsUp(), up: false }));
routes.onDeliver(
  (pdu) =>
    new Promise<number | void>((resolve, reject) => {
      nextDelivery += 1;
      deliveries.set(nextDelivery, { resolve, reject });
      post({ type: 'deliver', id: nextDelivery, pdu: { ...pdu } });
    }),
);

function failureOf(error: unknown): SubmitFailure {
  if (error instanceof SmppUnavailableError) return 'unavailable';
  if (error instanceof SmppTimeoutError) return 'timeout';
  return 'failed';
}

async function submit(request: Extract<ToSmppThread, { type: 'submit' }>): Promise<void> {
  try {
    if (request.notBefore !== undefined) await waitUntilPrecisely(request.notBefore);
    const result = await routes.submit(request.carrier, withBuffers(request.fields) as smpp.PduOptions);
    post({ type: 'submitted', id: request.id, result });
  } catch (error: unknown) {
    post({ type: 'failed', id: request.id, failure: failureOf(error), message: error instanceof Error ? error.message : String(error) });
  }
}

port.on('message', (requests: ToSmppThread[]) => {
  for (const request of requests) handle(request);
});

function handle(request: ToSmppThread): void {
  switch (request.type) {
    case 'submit':
      void submit(request);
      return;
    case 'delivered': {
      const delivery = deliveries.get(request.id);
      deliveries.delete(request.id);
      if (request.status === null) delivery?.reject(new Error('the deliver_sm was not stored'));
      else delivery?.resolve(request.status === 0 ? undefined : request.status);
      return;
    }
    case 'stop':
      void routes.stop().then(() => post({ type: 'stopped' }));
      return;
  }
}

post({ type: 'binds', binds: routes.bindsUp(), up: false });
routes.start();
