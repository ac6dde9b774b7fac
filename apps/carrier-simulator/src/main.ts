// Entry point of the carrier-simulator: validates the environment, then serves SMPP and HTTP.
import 'reflect-metadata';
import { loadConfig, runOrExplain } from '@sluice/config';
import { startService } from '@sluice/observability';
import { AppModule } from './app.module';
import { simulatorEnv } from './simulator.config';

void runOrExplain(async () => {
  const config = loadConfig('carrier-simulator', simulatorEnv);
  await startService({ service: 'carrier-simulator', module: AppModule.register(config), port: config.PORT, host: config.HOST });
});
