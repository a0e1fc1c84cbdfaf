// The live console in a real headless Chromium (Debian's chromium, driven by
// playwright-core): the page connects to the stream and a new alert appears without a
// reload. A screenshot is saved to test-results/console.png.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@soc/devkit';
import { backgroundLines, bury, portScanLines, rng } from '@soc/traffic';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, postLines, startPipeline } from '../harness/pipeline.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

describe('analyst console', () => {
  let pipeline: Pipeline;
  let browser: Browser;
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
  });
  afterAll(async () => {
    await browser?.close();
    await pipeline?.stop();
  });

  it('shows an alert the moment it is raised', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
    await page.goto(pipeline.services.fanout.url);
    await expect.poll(() => page.textContent('#connection'), { timeout: 15_000 }).toBe('live');
    expect(await page.locator('#alerts tbody tr').count()).toBe(0);

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

    const row = page.locator('#alerts tbody tr').first();
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.textContent()).toContain('source.ip=203.0.113.88');
    expect(await row.textContent()).toContain('Port scan from one source');
    expect(await row.locator('.sev').textContent()).toBe('high');
    expect(await page.textContent('#count')).toBe('1 alert');
    mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-results', 'console.png') });
  });
});
