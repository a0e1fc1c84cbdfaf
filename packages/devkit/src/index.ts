export * from './sensors.ts';
export * from './services.ts';
export * from './stack.ts';
