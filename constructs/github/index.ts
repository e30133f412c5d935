export * from './docs-deploy-workflow';
export * from './expression';
export * as GitHubL1 from './l1';
export * from './schema';
export * from './workflow';
