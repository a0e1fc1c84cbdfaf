export * from './intel.ts';
export * from './zones.ts';
