export * from './auto.ts';
export * from './common.ts';
export { formats } from './formats/index.ts';
export { iptablesParser } from './formats/iptables.ts';
export { suricataEveParser } from './formats/suricata-eve.ts';
export * from './registry.ts';
export * from './syslog-header.ts';
export * from './types.ts';
