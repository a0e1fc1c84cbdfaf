export * from './auth.ts';
export * from './cursor.ts';
export * from './filter.ts';
export * from './protocol.ts';
export * from './status.ts';
