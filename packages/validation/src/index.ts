export { formatIssues } from './format-issues';
