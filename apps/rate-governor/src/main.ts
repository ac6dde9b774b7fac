import 'reflect-metadata';
import { loadConfig, runOrExplain } from '@sluice/config';
import { startService } from '@sluice/observability';
import { AppModule } from './app.module';
import { governorEnv } from './governor.config';

void runOrExplain(async () => {
  const config = loadConfig('rate-governor', governorEnv);
  await startService({ service: 'rate-governor', module: AppModule.register(config), port: config.PORT, host: config.HOST, cpuScheduling: config.CPU_SCHEDULING });
});
