import 'reflect-metadata';
import { ConfigError, loadConfig, runOrExplain, setCpuScheduling } from '@sluice/config';
import { warnIfNotScheduled } from '@sluice/observability';
import { createGatewayApp } from './gateway.app';
import { gatewayEnv } from './gateway.config';

void runOrExplain(async () => {
  const config = loadConfig('api-gateway', gatewayEnv);
  const refused = setCpuScheduling(config.CPU_SCHEDULING);
  const app = await createGatewayApp(config);
  warnIfNotScheduled(app, config.CPU_SCHEDULING, refused);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  try {
    await app.listen(config.PORT, config.HOST);
  } catch (error: unknown) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ConfigError('api-gateway', [`PORT: ${config.PORT} on ${config.HOST} is already in use`]);
    throw error;
  }
});
