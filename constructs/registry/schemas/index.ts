export * from './docker-auth-config';
export * from './registry-config';
