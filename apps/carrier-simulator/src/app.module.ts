// Wires the simulated SMSC, its submission store and HTTP API onto the shared observability stack.
import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { ObservabilityModule, ReadinessRegistry } from '@sluice/observability';
import { CarrierBehaviour } from './carrier-behaviour';
import { DeliverQueue } from './deliver-queue';
import { ProfilesController } from './profiles.controller';
import { SessionRegistry } from './session-registry';
import { SessionsController } from './sessions.controller';
import { SIMULATOR_CONFIG, SimulatorConfig } from './simulator.config';
import { SimulatorMetrics } from './simulator.metrics';
import { SmscTimers } from './smsc-timers';
import { SmscService } from './smsc.service';
import { SubmissionStore } from './submission.store';
import { SubmissionsController } from './submissions.controller';
import { SubmitHandler } from './submit-handler';

@Module({})
export class AppModule implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly smsc: SmscService,
  ) {}

  static register(config: SimulatorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ObservabilityModule.forRoot({ service: 'carrier-simulator', logLevel: config.LOG_LEVEL })],
      controllers: [SubmissionsController, ProfilesController, SessionsController],
      providers: [
        { provide: SIMULATOR_CONFIG, useValue: config },
        // A factory, because the store's constructor takes a capacity that DI cannot supply.
        { provide: SubmissionStore, useFactory: () => new SubmissionStore() },
        SimulatorMetrics,
        CarrierBehaviour,
        SmscTimers,
        SessionRegistry,
        DeliverQueue,
        SubmitHandler,
        SmscService,
      ],
    };
  }

  onModuleInit(): void {
    // Ready only once the SMPP port accepts binds: carrier-dispatch is useless before that.
    this.readiness.register('smpp', () => this.smsc.assertListening());
  }
}
