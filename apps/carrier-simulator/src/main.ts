// Entry point of the carrier-simulator: validates the environment, then serves SMPP and HTTP.
import 'reflect-metadata';
import { runOrExplain } from '@sluice/config';
import { startService } from '@sluice/observability';
import { AppModule } from './app.module';
import { APP_NAME, loadSimulatorConfig } from './load-simulator-config';

void runOrExplain(async () => {
  const config = loadSimulatorConfig();
  await startService({ service: APP_NAME, module: AppModule.register(config), port: config.PORT, host: config.HOST, cpuScheduling: config.CPU_SCHEDULING });
});
