// The SMSCs dispatch submits to: a default route, and carriers with a route of their own.
import type { CarrierId } from '@sluice/contracts';
import type * as smpp from 'smpp';
import type { DeliverHandler, SubmitResult } from './smpp-client';
import { SmppPool } from './smpp-pool';
import type { SmppRouteSettings } from './dispatch.config';

export interface SmppLinkSettings {
  readonly window: number;
  readonly responseTimeoutMs: number;
  readonly enquireLinkMs: number;
  readonly reconnectMs: number;
}

interface Route {
  /** host:port/system_id, for metrics and logs. */
  readonly name: string;
  readonly pool: SmppPool;
}

/**
 * One pool of binds per distinct SMSC (host, port and system_id); carriers that name the
 * same SMSC share its binds. A message goes by its destination's carrier, else the default.
 */
export class SmppRoutes {
  private readonly routes: Route[] = [];
  private readonly byCarrier = new Map<CarrierId, Route>();
  private readonly fallback: Route;

  constructor(defaultRoute: SmppRouteSettings & { binds: number }, perCarrier: Partial<Record<CarrierId, SmppRouteSettings>>, link: SmppLinkSettings) {
    const routeFor = (settings: SmppRouteSettings, binds: number): Route => {
      const name = `${settings.host}:${settings.port}/${settings.systemId}`;
      const known = this.routes.find((r) => r.name === name);
      if (known) return known;
      const pool = new SmppPool({ host: settings.host, port: settings.port, systemId: settings.systemId, password: settings.password, ...link }, binds);
      const route = { name, pool };
      this.routes.push(route);
      return route;
    };
    this.fallback = routeFor(defaultRoute, defaultRoute.binds);
    for (const [carrier, settings] of Object.entries(perCarrier) as Array<[CarrierId, SmppRouteSettings]>) {
      this.byCarrier.set(carrier, routeFor(settings, settings.binds ?? defaultRoute.binds));
    }
  }

  start(): void {
    for (const route of this.routes) route.pool.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.routes.map((r) => r.pool.stop()));
  }

  /** Who takes every bind's deliver_sm, on every route. */
  onDeliver(handler: DeliverHandler): void {
    for (const route of this.routes) route.pool.onDeliver(handler);
  }

  /** Called each time a bind comes up, on any route. */
  onBound(listener: () => void): void {
    for (const route of this.routes) route.pool.onBound(listener);
  }

  /** Called each time a bind goes down, on any route. */
  onUnbound(listener: () => void): void {
    for (const route of this.routes) route.pool.onUnbound(listener);
  }

  /** Some route can submit. */
  anyBound(): boolean {
    return this.routes.some((r) => r.pool.isBound());
  }

  /** Routes with no bind up, by name. */
  unbound(): string[] {
    return this.routes.filter((r) => !r.pool.isBound()).map((r) => r.name);
  }

  bindsUp(): Array<{ route: string; up: number }> {
    return this.routes.map((r) => ({ route: r.name, up: r.pool.boundCount() }));
  }

  submit(carrier: CarrierId | undefined, fields: smpp.PduOptions): Promise<SubmitResult> {
    return this.routeOf(carrier).pool.submit(fields);
  }

  private routeOf(carrier: CarrierId | undefined): Route {
    return (carrier && this.byCarrier.get(carrier)) || this.fallback;
  }
}
