// The analyst console in a real headless Chromium (Debian's chromium, driven by
// playwright-core) against the whole pipeline: sign-in with an analyst token, an alert
// raised from buried port-scan traffic appears live, a filter hides it, an acknowledgement
// in one browser shows in a second within a second, and the list stays virtualised and
// quick with 10,000 alerts. Screenshots: test-results/console-*.png.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@soc/devkit';
import { type Alert, stableId } from '@soc/schema';
import { backgroundLines, bury, portScanLines, rng } from '@soc/traffic';
import { Kafka, logLevel } from 'kafkajs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ANALYST_TOKEN, type Pipeline, postLines, startPipeline } from '../harness/pipeline.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-results');

describe('analyst console', () => {
  let pipeline: Pipeline;
  let browser: Browser;
  let first: Page;
  let second: Page;
  let alertId: string;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: run the README's setup (apt-get install chromium)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    pipeline = await startPipeline();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await pipeline?.stop();
  });

  async function signIn(page: Page): Promise<void> {
    await page.goto(pipeline.services.fanout.url);
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#token', 'wrong-token');
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.textContent('#login-error'), { timeout: 10_000 }).toContain('refused');
    await page.fill('#token', ANALYST_TOKEN);
    await page.click('#login-form button[type=submit]');
    await expect.poll(() => page.textContent('#connection'), { timeout: 15_000 }).toBe('live');
  }

  it('signs in, and shows an alert the moment it is raised', async () => {
    first = await (await browser.newContext({ viewport: { width: 1500, height: 800 } })).newPage();
    await signIn(first);
    expect(await first.locator('#list .row').count()).toBe(0);
    expect(await first.textContent('#who')).toContain('e2e-analyst');

    const start = new Date(Date.now() - 3_000);
    const scan = portScanLines(
      '203.0.113.88',
      '10.0.0.3',
      Array.from({ length: 22 }, (_, i) => 2000 + i),
      start,
    );
    const { status } = await postLines(
      pipeline.services.ingest.url,
      'iptables',
      bury(backgroundLines(500, start, rng(3)), scan),
    );
    expect(status).toBe(200);

    const row = first.locator('#list .row').first();
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.textContent()).toContain('source.ip=203.0.113.88');
    expect(await row.textContent()).toContain('Port scan from one source');
    expect(await row.locator('.sev').textContent()).toBe('high');
    expect(await first.textContent('#count')).toBe('1 alert');
    expect(await first.textContent('#sev-counts')).toContain('high 1');
    alertId = (await row.getAttribute('data-alert-id'))!;
    await first.screenshot({ path: join(SHOTS, 'console-live.png') });
  });

  it('hides the alert when a filter excludes it, and shows it again when cleared', async () => {
    await first.selectOption('#f-severity', 'critical');
    await expect.poll(() => first.locator('#list .row').count(), { timeout: 5_000 }).toBe(0);
    expect(await first.textContent('#count')).toBe('0 alerts');
    await first.selectOption('#f-severity', '');
    await first.fill('#f-text', '198.51.100.');
    await expect.poll(() => first.locator('#list .row').count(), { timeout: 5_000 }).toBe(0);
    await first.fill('#f-text', '203.0.113.88');
    await expect.poll(() => first.locator('#list .row').count(), { timeout: 5_000 }).toBe(1);
    await first.click('#filters button[type=reset]');
    await expect.poll(() => first.locator('#list .row').count(), { timeout: 5_000 }).toBe(1);
  });

  it('shows an acknowledgement made in one browser in a second one within a second', async () => {
    second = await (await browser.newContext({ viewport: { width: 1500, height: 800 } })).newPage();
    await second.addInitScript((token) => sessionStorage.setItem('soc.token', token), ANALYST_TOKEN);
    await second.goto(pipeline.services.fanout.url);
    await expect.poll(() => second.textContent('#connection'), { timeout: 15_000 }).toBe('live');
    const rowIn = (page: Page) => page.locator(`#list .row[data-alert-id="${alertId}"]`);
    await rowIn(second).waitFor({ timeout: 10_000 });
    expect(await rowIn(second).locator('.st').textContent()).toBe('open');

    // keyboard: j selects the first row, enter opens it, a acknowledges
    await first.locator('#viewport').focus();
    await first.keyboard.press('j');
    await first.keyboard.press('Enter');
    await expect.poll(() => first.textContent('#d-status')).toBe('open');
    const t0 = Date.now();
    await first.keyboard.press('a');
    await expect
      .poll(() => rowIn(second).locator('.st').textContent(), { timeout: 1_000, interval: 25 })
      .toBe('acknowledged');
    expect(Date.now() - t0).toBeLessThan(1_000);
    await expect.poll(() => first.textContent('#d-status')).toBe('acknowledged');
    await expect.poll(() => first.locator('#d-history li').count()).toBe(1);
    expect(await first.textContent('#d-history')).toContain('open → acknowledged');

    await first.click('#btn-assign');
    await expect.poll(() => first.textContent('#d-status')).toBe('assigned');
    await expect
      .poll(() => rowIn(second).locator('.st').textContent(), { timeout: 1_000, interval: 25 })
      .toBe('assigned · e2e-analyst');
    await first.screenshot({ path: join(SHOTS, 'console-details.png') });
  });

  it('stays virtualised with 10,000 alerts', async () => {
    const kafka = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const now = Date.now();
    const severities = ['low', 'medium', 'high', 'critical'] as const;
    for (let b = 0; b < 10; b++) {
      const alerts: Alert[] = Array.from({ length: 1000 }, (_, j) => {
        const i = b * 1000 + j;
        const t = new Date(now + i).toISOString();
        return {
          id: stableId('console-load', pipeline.id, String(i)),
          tenant: 'e2e',
          rule: {
            id: `load-${i % 7}`,
            name: `Load rule ${i % 7}`,
            version: 'v1',
            severity: severities[i % 4]!,
            tags: ['attack.t1046'],
          },
          group: { 'source.ip': `198.51.100.${i % 250}` },
          window_start: t,
          window_end: t,
          first_seen: t,
          last_seen: t,
          detected_at: t,
          event_count: 1 + (i % 40),
          evidence: { event_ids: [], values: [] },
          status: 'open',
        };
      });
      await producer.send({
        topic: `${pipeline.namespace}.alerts.v1`,
        messages: alerts.map((a) => ({ key: a.id, value: JSON.stringify(a) })),
      });
    }
    await producer.disconnect();
    await expect.poll(() => first.textContent('#count'), { timeout: 60_000 }).toBe('10001 alerts');
    // only the rows in view are in the DOM
    expect(await first.locator('#list .row').count()).toBeLessThan(80);
    // 60 jumps across the whole list: after each, the rows in view are rendered, and only those
    // (page code as a string: this file is type-checked without the DOM library)
    const rendered = (await first.evaluate(`(() => {
      const vp = document.getElementById('viewport');
      const out = [];
      for (let i = 0; i < 60; i++) {
        vp.scrollTop = (vp.scrollHeight * i) / 60;
        vp.dispatchEvent(new Event('scroll'));
        document.body.getBoundingClientRect();
        out.push(document.querySelectorAll('#list .row').length);
      }
      return out;
    })()`)) as number[];
    for (const rows of rendered) {
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThan(80);
    }
    expect(await first.locator('#list .row').count()).toBeLessThan(80);
    await first.evaluate(`document.getElementById('viewport').scrollTop = 0`);
    await first.selectOption('#f-severity', 'critical');
    await expect.poll(() => first.textContent('#count'), { timeout: 5_000 }).toBe('2500 alerts');
    await first.selectOption('#f-severity', '');
    await first.screenshot({ path: join(SHOTS, 'console-10k.png') });
  });
});
