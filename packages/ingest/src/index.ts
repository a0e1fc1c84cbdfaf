export * from './parse-body.ts';
export * from './rate-limit.ts';
export * from './sensors.ts';
export * from './syslog-framing.ts';
