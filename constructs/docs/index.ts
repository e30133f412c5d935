export * from './messages';
export * from './operations-page';
