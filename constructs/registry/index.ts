export * from './auth-proxy';
export * from './docker-auth';
export * from './docker-registry';
export * from './registry-stack';
export * from './schemas';
