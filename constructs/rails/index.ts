export * from './rails-app';
