/**
 * kamal-cdk: the engine and every construct, for `import { App, KamalDeploy } from 'kamal-cdk'`.
 * Each product is also its own entry point (`kamal-cdk/kamal`, `kamal-cdk/registry`, ...).
 */
export * from '../src';
export * from './kamal';
export * from './registry';
export * from './observability';
export * from './rails';
export * from './github';
export * from './estate';
export * from './docs';
