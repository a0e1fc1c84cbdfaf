// Every log format, in the order `format=auto` tries them: formats with an unmistakable
// marker first (CEF:, LEEF:, %ASA-, RT_FLOW, filterlog), JSON formats by their telltale
// keys, then the key=value and CSV firewalls, and the generic netfilter kernel log last.
import type { Parser } from '../types.ts';
import { awsVpcFlowParser } from './aws-vpc-flow.ts';
import { cefParser } from './cef.ts';
import { checkpointParser } from './checkpoint.ts';
import { ciscoAsaParser } from './cisco-asa.ts';
import { fortigateParser } from './fortigate.ts';
import { iptablesParser } from './iptables.ts';
import { juniperSrxParser } from './juniper-srx.ts';
import { leefParser } from './leef.ts';
import { paloaltoParser } from './paloalto.ts';
import { pfsenseFilterlogParser } from './pfsense-filterlog.ts';
import { snortFastParser } from './snort-fast.ts';
import { snortJsonParser } from './snort-json.ts';
import { suricataEveParser } from './suricata-eve.ts';
import { windowsFirewallParser } from './windows-firewall.ts';
import { zeekParser } from './zeek.ts';

export const formats: Parser[] = [
  cefParser,
  leefParser,
  ciscoAsaParser,
  juniperSrxParser,
  pfsenseFilterlogParser,
  suricataEveParser,
  snortJsonParser,
  zeekParser,
  snortFastParser,
  paloaltoParser,
  fortigateParser,
  checkpointParser,
  windowsFirewallParser,
  awsVpcFlowParser,
  iptablesParser(),
];
