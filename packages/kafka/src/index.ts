export * from './client.ts';
export * from './consumer.ts';
