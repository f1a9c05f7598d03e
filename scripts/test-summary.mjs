// Prints the closing line CI reads ("N passed, N failed, N skipped"), from vitest's JSON report.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`tests: no report (${err.message})`);
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
// A file that failed to load has no tests in the counts: count it as a failure.
const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
console.log(`${report.numPassedTests} passed, ${report.numFailedTests + brokenFiles} failed, ${skipped} skipped`);
