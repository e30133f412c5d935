export * from './fluent-bit';
export * from './grafana';
export * from './journald-source';
export * from './loki';
export * from './schemas';
export * from './stack';
