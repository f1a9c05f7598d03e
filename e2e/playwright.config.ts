import { defineConfig } from '@playwright/test';

/**
 * Debian's Chromium, never Playwright's downloader (see ARCHITECTURE.md). One worker: the
 * tests share one cluster that global-setup starts (proxy, web, agent, PostgreSQL, IdPs).
 */
export default defineConfig({
  testDir: './tests',
  globalSetup: './support/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [['list'], ['json', { outputFile: '../.tmp/playwright.json' }]],
  outputDir: './test-results',
  use: {
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
