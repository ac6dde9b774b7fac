import 'reflect-metadata';
import { loadConfig, runOrExplain } from '@sluice/config';
import { startService } from '@sluice/observability';
import { AppModule } from './app.module';
import { gatewayEnv } from './gateway.config';

void runOrExplain(async () => {
  const config = loadConfig('api-gateway', gatewayEnv);
  await startService({ service: 'api-gateway', module: AppModule.register(config), port: config.PORT, host: config.HOST, bodyLimit: config.BODY_LIMIT_BYTES });
});
