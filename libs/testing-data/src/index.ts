export * from './factories';
export * from './own-database';
