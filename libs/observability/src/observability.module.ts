// Logs, health and metrics for every Sluice service, wired in one import.
import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health.controller';
import { loggerOptions } from './logger';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';
import { OBSERVABILITY_OPTIONS, ObservabilityOptions } from './observability.options';
import { ReadinessRegistry } from './readiness.registry';
import { DEFAULT_SUPERVISION, Supervisor } from './supervisor.service';

@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [LoggerModule.forRoot(loggerOptions(options)), TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: OBSERVABILITY_OPTIONS, useValue: options },
        ReadinessRegistry,
        MetricsRegistry,
        {
          provide: Supervisor,
          inject: [ReadinessRegistry, MetricsRegistry],
          useFactory: (readiness: ReadinessRegistry, metrics: MetricsRegistry) => new Supervisor(readiness, metrics, { ...DEFAULT_SUPERVISION, ...options.supervision }),
        },
      ],
      exports: [ReadinessRegistry, MetricsRegistry, Supervisor],
    };
  }
}
