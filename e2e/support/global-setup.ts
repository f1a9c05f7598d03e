import type { FullConfig } from '@playwright/test';
import { startStack } from './stack';
import { STATE_ENV } from './stack-state';

/** Starts the cluster once for every test; Playwright runs the returned teardown at the end. */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const stack = await startStack();
  process.env[STATE_ENV] = JSON.stringify(stack.state);
  return () => stack.stop();
}
