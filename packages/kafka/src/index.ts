export * from './client.ts';
export * from './consumer.ts';
export * from './errors.ts';
