#!/usr/bin/env node
// The packages ship TypeScript source; tsx compiles it on load (esbuild, a few ms per file).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
