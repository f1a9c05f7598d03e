export { freePort } from './free-port';
export { run } from './run';
export type { RunOptions, RunResult } from './run';
export { startPostgres } from './postgres';
export type { StartPostgresOptions, TestPostgres } from './postgres';
