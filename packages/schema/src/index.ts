export * from './alert.ts';
export * from './event.ts';
export * from './fast-parse.ts';
export * from './ids.ts';
export * from './ip.ts';
export * from './topics.ts';
