// @postern/console: the browser console's protocol (page ↔ agent) and its SQL splitter,
// shared by the agent, the proxy and the page. The tunnel framing is in ./frames (Node only).
export * from './protocol';
export { splitStatements, statementAt, lineAndColumn, type Dialect, type Statement } from './split';
