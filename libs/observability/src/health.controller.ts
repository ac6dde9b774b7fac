import { Controller, Get, Inject, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { SERVICE_HEADER } from '@sluice/processes';
import { OBSERVABILITY_OPTIONS, type ObservabilityOptions } from './observability.options';
import { ReadinessRegistry } from './readiness.registry';

/** What Express's and Fastify's replies both offer. */
interface HeaderReply {
  header(name: string, value: string): unknown;
}

const CHECK_TIMEOUT_MS = 2_000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessRegistry,
    @Inject(OBSERVABILITY_OPTIONS) private readonly options: ObservabilityOptions,
  ) {}

  /** Liveness: the process serves HTTP. Dependencies are not checked, so an outage never restarts pods. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Readiness: every dependency the app registered answers. */
  @Get(['ready', ''])
  @HealthCheck()
  ready(@Res({ passthrough: true }) reply: HeaderReply) {
    reply.header(SERVICE_HEADER, this.options.service);
    const shutdown = async (): Promise<HealthIndicatorResult> => {
      const indicator = this.indicators.check('shutdown');
      return this.readiness.isShuttingDown() ? indicator.down({ message: 'shutting down' }) : indicator.up();
    };
    return this.health.check([
      shutdown,
      ...this.readiness.entries().map(([name, check]) => async (): Promise<HealthIndicatorResult> => {
        const indicator = this.indicators.check(name);
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return indicator.up();
        } catch (error: unknown) {
          return indicator.down({ message: error instanceof Error ? error.message : String(error) });
        }
      }),
    ]);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
