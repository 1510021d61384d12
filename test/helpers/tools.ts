/**
 * Gate tests on the Debian tools they need. The tools are installed (or not) once by
 * test/global-setup.ts; here we only read its answer and skip, naming the package:
 *
 *   describeWith('dig', 'ECS over UDP', () => { … });
 *   // → "ECS over UDP (needs Debian package bind9-dnsutils)", skipped if dig is missing
 */
import { describe, inject, it } from 'vitest';
import { TOOLS, detectTools, type Tool, type ToolMap } from '../global-setup.js';

export type { Tool };

let detected: Record<string, boolean> | undefined;

/** Whether `tool` is usable: from the global setup, or detected here if it did not run. */
export function available(tool: Tool): boolean {
  const provided = inject('tools') as Partial<ToolMap> | undefined;
  const known = provided?.[tool];
  if (known !== undefined) return known;
  detected ??= detectTools();
  return detected[tool] === true;
}

function list(tools: Tool | readonly Tool[]): readonly Tool[] {
  return typeof tools === 'string' ? [tools] : tools;
}

/** "(needs Debian package bind9-dnsutils)" or "(needs Debian packages a, b)". */
export function needsLabel(tools: Tool | readonly Tool[]): string {
  const pkgs = [...new Set(list(tools).map((t) => TOOLS[t]))];
  return `(needs Debian package${pkgs.length > 1 ? 's' : ''} ${pkgs.join(', ')})`;
}

/** `{ skip, reason }` for tests that gate themselves, e.g. `it.skipIf(n.skip)(…)` or `ctx.skip(n.reason)`. */
export function needs(tools: Tool | readonly Tool[]): { skip: boolean; reason: string } {
  const missing = list(tools).filter((t) => !available(t));
  const reason = missing.length === 0 ? '' : `${missing.join(', ')} not installed ${needsLabel(missing)}`;
  return { skip: missing.length > 0, reason };
}

/** `describe` that is skipped unless every tool is available; the title names the package(s). */
export function describeWith(tools: Tool | readonly Tool[], name: string, fn: () => void): void {
  describe.skipIf(needs(tools).skip)(`${name} ${needsLabel(tools)}`, fn);
}

/** `it` that is skipped unless every tool is available; the title names the package(s). */
export function itWith(
  tools: Tool | readonly Tool[],
  name: string,
  fn: () => unknown,
  timeout?: number,
): void {
  it.skipIf(needs(tools).skip)(`${name} ${needsLabel(tools)}`, fn, timeout);
}
