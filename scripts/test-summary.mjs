// Reads vitest's JSON report and prints the slowest test files (so drift in suite time is visible
// run after run) and one plain closing line that any CI reader understands.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [reportPath = '.tmp/vitest-report.json', topArg = '12'] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const files = report.testResults
  .map((file) => ({ name: relative(process.cwd(), file.name), seconds: (file.endTime - file.startTime) / 1000, status: file.status }))
  .sort((a, b) => b.seconds - a.seconds);
const total = files.reduce((sum, file) => sum + file.seconds, 0);
console.log(`slowest test files (of ${files.length}, ${total.toFixed(0)} s in files):`);
for (const file of files.slice(0, Number(topArg))) {
  console.log(`  ${file.seconds.toFixed(1).padStart(7)} s  ${file.name}${file.status === 'passed' ? '' : `  (${file.status})`}`);
}
const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
console.log(`vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
