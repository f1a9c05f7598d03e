// Prints the closing line CI reads ("N passed, N failed, N skipped") from vitest's and
// Playwright's JSON reports together.
import { readFileSync } from 'node:fs';

function load(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.log(`tests: no report in ${file} (${err.message})`);
    return undefined;
  }
}

function vitestCounts(report) {
  // A file that failed to load, or whose beforeAll failed (its tests then count as
  // skipped), has no failed test in the counts: count the file as a failure.
  const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
  return { passed: report.numPassedTests, failed: report.numFailedTests + brokenFiles, skipped: report.numPendingTests + (report.numTodoTests ?? 0) };
}

function playwrightCounts(report) {
  const s = report.stats ?? {};
  // A run that broke before any test (global setup) reports errors and no tests.
  const setupErrors = (report.errors ?? []).length > 0 && (s.expected ?? 0) + (s.unexpected ?? 0) === 0 ? 1 : 0;
  return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed: (s.unexpected ?? 0) + setupErrors, skipped: s.skipped ?? 0 };
}

const [vitestFile, playwrightFile] = process.argv.slice(2);
const total = { passed: 0, failed: 0, skipped: 0 };
for (const [file, count] of [
  [vitestFile, vitestCounts],
  [playwrightFile, playwrightCounts],
]) {
  if (!file) continue;
  const report = load(file);
  const c = report ? count(report) : { passed: 0, failed: 1, skipped: 0 };
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
