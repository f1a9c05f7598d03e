import type { NextConfig } from 'next';
import path from 'node:path';

const config: NextConfig = {
  // The workspace packages export TypeScript source.
  transpilePackages: ['@postern/api'],
  poweredByHeader: false,
  outputFileTracingRoot: path.join(import.meta.dirname, '../..'),
  turbopack: { root: path.join(import.meta.dirname, '../..') },
};

export default config;
