export * from './fluent-bit';
export * from './grafana';
export * from './grafana-ini';
export * from './loki';
