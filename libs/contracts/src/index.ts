export * from './topics';
export * from './message';
export * from './dispatch-job';
export * from './sms-submitted/sms-submitted.payload';
export * from './sms-status/sms-status.payload';
export * from './carrier';
