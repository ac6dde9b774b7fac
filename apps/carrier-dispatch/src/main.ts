import 'reflect-metadata';
import { loadConfig, runOrExplain } from '@sluice/config';
import { startService } from '@sluice/observability';
import { AppModule } from './app.module';
import { dispatchEnv } from './dispatch.config';

void runOrExplain(async () => {
  const config = loadConfig('carrier-dispatch', dispatchEnv);
  await startService({ service: 'carrier-dispatch', module: AppModule.register(config), port: config.PORT, host: config.HOST, cpuScheduling: config.CPU_SCHEDULING });
});
