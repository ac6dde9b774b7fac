import 'reflect-metadata';
import { ConfigError, loadConfig, runOrExplain } from '@sluice/config';
import { createScheduled } from '@sluice/observability';
import { createGatewayApp } from './gateway.app';
import { gatewayEnv } from './gateway.config';

void runOrExplain(async () => {
  const config = loadConfig('api-gateway', gatewayEnv);
  const app = await createScheduled(config.CPU_SCHEDULING, () => createGatewayApp(config));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  try {
    await app.listen(config.PORT, config.HOST);
  } catch (error: unknown) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ConfigError('api-gateway', [`PORT: ${config.PORT} on ${config.HOST} is already in use`]);
    throw error;
  }
});
