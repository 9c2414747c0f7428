// CPU time of a Chromium instance's processes, read from /proc (Linux only),
// grouped by what each process is: the browser, page renderers, the
// extension's renderer (service worker and panel), the network service, other.
// Used by the page-overhead benchmark to show where the extension's cost lands.

import { readdirSync, readFileSync } from 'node:fs';

export type ProcessKind = 'page renderer' | 'extension' | 'browser' | 'network service' | 'other';

/** Clock ticks per second as Linux reports CPU times in /proc (USER_HZ, 100 on every common build). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  parent: number;
  /** User + system CPU time, in clock ticks. */
  ticks: number;
}

/** Parent and CPU ticks of every process, from one read of each /proc/<pid>/stat. */
function readProcStats(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name (which may itself hold spaces).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while we looked
    }
  }
  return stats;
}

function treeOf(root: number, stats: Map<number, ProcStat>): Set<number> {
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, { parent }] of stats) {
      if (!tree.has(pid) && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

function kindOf(pid: number, root: number): ProcessKind {
  if (pid === root) return 'browser';
  // Chromium rewrites its children's argv into one space-separated string.
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
  const type = args.find((a) => a.startsWith('--type='))?.slice('--type='.length);
  if (type === 'renderer') return args.includes('--extension-process') ? 'extension' : 'page renderer';
  if (args.some((a) => a.includes('NetworkService'))) return 'network service';
  return 'other';
}

/** CPU milliseconds (user + system) used so far by each kind of process under the browser's pid. */
export function cpuByKind(browserPid: number): Map<ProcessKind, number> {
  const stats = readProcStats();
  const totals = new Map<ProcessKind, number>();
  for (const pid of treeOf(browserPid, stats)) {
    const stat = stats.get(pid);
    if (!stat) continue;
    try {
      const kind = kindOf(pid, browserPid);
      totals.set(kind, (totals.get(kind) ?? 0) + (stat.ticks * 1000) / TICKS_PER_SECOND);
    } catch {
      // the process ended while we looked
    }
  }
  return totals;
}

/** What each kind used between two readings (processes that ended in between are not counted). */
export function cpuSince(before: Map<ProcessKind, number>, after: Map<ProcessKind, number>) {
  const out = new Map<ProcessKind, number>();
  for (const [kind, ms] of after) out.set(kind, Math.max(0, ms - (before.get(kind) ?? 0)));
  return out;
}
