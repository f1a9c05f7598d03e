export { freePort } from '@postern/local-postgres';
export { run } from '@postern/local-postgres';
export type { RunOptions, RunResult } from '@postern/local-postgres';
export { startPostgres } from './postgres';
export type { StartPostgresOptions, TestPostgres } from './postgres';
export { startMariadb } from './mariadb';
export type { StartMariadbOptions, TestMariadb } from './mariadb';
export { createTestPki, type TestPki } from './test-pki';
export { recordingLogger, type LogLine } from './recording-logger';
