export * from './units';
export * from './phone-number';
export * from './message-state';
export * from './sliding-window';
export * from './pacific-day';
export * from './quota-rules';
export * from './multi-window';
export * from './nanp';
