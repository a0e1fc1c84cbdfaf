// The prefilter only skips rules that cannot match: over varied rules and events, the
// rules it offers that match are exactly the rules that match.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRuleText } from './loader.ts';
import { Prefilter } from './prefilter.ts';

const RULES = `title: a
detection: { s: { event.category: network, destination.port: [22, '3389'] }, condition: s }
---
title: b
detection: { s: { event.category: authentication }, t: { event.outcome: FAILURE }, condition: s and not t }
---
title: c
detection: { s: { destination.port: 445 }, t: { network.protocol: smb }, condition: s or t }
---
title: d
detection: { s: { destination.port: 22 }, t: { destination.port: 23 }, condition: 1 of them }
---
title: e
detection: { s: { source.ip|cidr: 10.0.0.0/8 }, condition: s }
---
title: f
detection: { s: [ { event.kind: alert }, { event.kind: Event, event.action|contains: deny } ], condition: s }
---
title: g
detection: { s: { event.action|cased: Deny }, condition: s }
---
title: h
detection: { s: { destination.port|all: [22, 23] }, condition: s }
---
title: i
logsource: { category: firewall }
detection: { s: { destination.port: 1000 }, condition: s }
---
title: j
detection: { s: { user.name: null, event.kind: event }, condition: s }
`;

const event = fc.record(
  {
    event: fc.record(
      {
        category: fc.oneof(
          fc.constantFrom('network', 'NETWORK', 'authentication'),
          fc.array(fc.constantFrom('network', 'authentication', 'Network'), { maxLength: 3 }),
        ),
        outcome: fc.constantFrom('failure', 'Failure', 'success'),
        kind: fc.constantFrom('alert', 'event', 'EVENT', 'Event'),
        action: fc.constantFrom('deny', 'Deny', 'DENY', 'allow-deny'),
      },
      { requiredKeys: [] },
    ),
    destination: fc.record(
      {
        port: fc.oneof(
          fc.constantFrom(22, 23, 445, 1000, 3389, '22', '3389', 'x'),
          fc.array(fc.constantFrom(22, 23, '445')),
        ),
      },
      { requiredKeys: [] },
    ),
    network: fc.record({ protocol: fc.constantFrom('smb', 'SMB', 'ssh') }, { requiredKeys: [] }),
    observer: fc.record({ type: fc.constantFrom('firewall', 'Firewall', 'ids') }, { requiredKeys: [] }),
    source: fc.record({ ip: fc.constantFrom('10.1.2.3', '192.168.0.1') }, { requiredKeys: [] }),
    user: fc.record({ name: fc.constantFrom('', 'root') }, { requiredKeys: [] }),
    'destination.port': fc.constantFrom(22, 445),
  },
  { requiredKeys: [] },
);

describe('prefilter', () => {
  it('offers every rule that matches, in rule order', () => {
    const rules = loadRuleText(RULES);
    expect(rules.errors).toEqual([]);
    const pf = new Prefilter(rules.detections);
    fc.assert(
      fc.property(event, (e) => {
        const n = pf.candidates(e);
        const offered = [...pf.out.subarray(0, n)];
        expect(offered).toEqual([...offered].sort((a, b) => a - b));
        const all = rules.detections.flatMap((d, i) => (d.match(e) ? [i] : []));
        expect(offered.filter((i) => rules.detections[i]!.match(e))).toEqual(all);
      }),
      { numRuns: 3000 },
    );
  });
});
