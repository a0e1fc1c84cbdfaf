export * from './logger.ts';
export * from './metrics.ts';
export * from './ops-http.ts';
export * from './retry.ts';
export * from './shutdown.ts';
