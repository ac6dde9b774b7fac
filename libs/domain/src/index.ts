export * from './units';
export * from './phone-number';
export * from './message-state';
export * from './sliding-window';
