import type { NextConfig } from 'next';
import path from 'node:path';

const config: NextConfig = {
  // A separate build folder per worktree user (POSTERN_NEXT_DIST) lets builds run side by side.
  distDir: process.env.POSTERN_NEXT_DIST || '.next',
  // The workspace packages export TypeScript source.
  transpilePackages: ['@postern/api', '@postern/console'],
  poweredByHeader: false,
  // forbidden(): admin pages answer a real 403, not a page that merely hides its content.
  experimental: { authInterrupts: true },
  outputFileTracingRoot: path.join(import.meta.dirname, '../..'),
  turbopack: { root: path.join(import.meta.dirname, '../..') },
};

export default config;
