export * from './client.ts';
export * from './quote.ts';
