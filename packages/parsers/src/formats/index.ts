// Every log format, in the order `format=auto` tries them. One file per format.
import type { Parser } from '../types.ts';
import { iptablesParser } from './iptables.ts';
import { suricataEveParser } from './suricata-eve.ts';

export const formats: Parser[] = [suricataEveParser, iptablesParser()];
