export * from './generator.ts';
export * from './lines.ts';
