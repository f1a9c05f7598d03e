import type { Browser, BrowserContext } from 'playwright-core';

/** Debian's Chromium, never Playwright's downloader (see docs: working facts of this environment). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The flags this environment needs (no sandbox as root, no GPU, no network of its own); the e2e config uses them too. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * A fresh browser profile that trusts the cluster's self-signed HTTPS and reaches only
 * loopback (pages that import web fonts would otherwise wait on the network).
 */
export async function loopbackContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  await context.route(
    (url) => !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname),
    (route) => route.abort('blockedbyclient'),
  );
  return context;
}
