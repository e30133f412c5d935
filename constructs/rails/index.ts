export * from './rails-app';
export * from './deploy-scripts';
export * from './deploy-workflow';
