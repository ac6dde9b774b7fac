export * from './infrastructure';
export * from './processes';
export * from './numbers';
export * from './benchmarks';
export * from './plivo-voice-route';
export * from './accepted-messages';
export * from './csv';
export * from './addresses';
