/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  // Real-tool tests start nginx and docker-registry; keep them off the other core's toes.
  maxWorkers: 2,
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};

export default config;
