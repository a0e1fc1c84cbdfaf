export * from './client.ts';
export * from './quote.ts';
export * from './retention.ts';
