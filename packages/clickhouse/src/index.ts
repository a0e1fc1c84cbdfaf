export * from './client.ts';
export * from './escaped.ts';
export * from './insert.ts';
export * from './quote.ts';
export * from './retention.ts';
