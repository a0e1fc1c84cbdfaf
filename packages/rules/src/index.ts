export * from './behaviour.ts';
export * from './engine.ts';
export * from './loader.ts';
export * from './repartition.ts';
export * from './timespan.ts';
export type * from './types.ts';
