/**
 * The one reading of an http check's `expect.body`: "/source/flags" is a regular expression (g and
 * y dropped, so test() carries no lastIndex from one probe to the next), anything else a substring.
 * The zone loader uses it to reject a bad expression; the http checker to match bodies.
 */
const REGEX_FORM = /^\/(.+)\/([dgimsuvy]*)$/s;

/** A RegExp or the substring; throws SyntaxError for an expression that does not compile. */
export function bodyPattern(body: string): RegExp | string {
  const m = REGEX_FORM.exec(body);
  return m ? new RegExp(m[1], m[2].replace(/[gy]/g, '')) : body;
}
