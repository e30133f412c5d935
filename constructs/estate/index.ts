export * from './estate';
export * from './inventory';
