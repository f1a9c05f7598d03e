// Entry of the embedded store's worker thread. Loader hooks registered in the main thread
// (tsx's) do not reach worker threads, so this plain-JS entry registers them before it
// loads the TypeScript that runs PGlite.
import { register } from 'tsx/esm/api';

register();
await import('./thread-main.ts');
