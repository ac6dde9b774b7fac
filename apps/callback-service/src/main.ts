import 'reflect-metadata';
import { loadConfig, runOrExplain } from '@sluice/config';
import { startService } from '@sluice/observability';
import { AppModule } from './app.module';
import { callbackEnv } from './callback.config';

void runOrExplain(async () => {
  const config = loadConfig('callback-service', callbackEnv);
  await startService({ service: 'callback-service', module: AppModule.register(config), port: config.PORT, host: config.HOST, cpuScheduling: config.CPU_SCHEDULING });
});
