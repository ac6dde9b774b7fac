export * from './infrastructure';
export * from './factories';
export * from './processes';
