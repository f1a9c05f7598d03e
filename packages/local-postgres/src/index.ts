export { run, type RunOptions, type RunResult } from './run';
export { pgBinDir, runningAsRoot, serverCommand, runServerTool, postgresOwner } from './binaries';
export { startDemoPostgres, demoPostgresDir, type DemoPostgres } from './demo';
export { freePort } from './free-port';
