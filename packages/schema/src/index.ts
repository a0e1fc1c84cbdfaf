export * from './alert.ts';
export * from './event.ts';
export * from './ids.ts';
export * from './topics.ts';
