// Helpers for values placed into inline CSS.

const UNSAFE: Record<string, string> = { '"': '%22', '\\': '%5C', '(': '%28', ')': '%29', '\n': '%0A', '\r': '%0D' };

/** A `url(...)` that a quote or bracket in the address cannot break out of. */
export function cssUrl(url: string): string {
  return `url("${url.replace(/["\\()\n\r]/g, (c) => UNSAFE[c])}")`;
}
