export * from './observability.module';
export * from './observability.options';
export * from './readiness.registry';
export * from './metrics.registry';
export * from './logger';
export * from './bootstrap';
export * from './backoff';
export * from './supervisor.service';
