export * from './precise-clock';
export * from './precise-wait';
