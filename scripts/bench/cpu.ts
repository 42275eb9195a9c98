// CPU of the local stack's parts during a bench phase, read from /proc: where a request's cost goes
// (the machine is shared and two cores, so a ratio of latencies alone does not say which part to fix).
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPU time (ms) so far of every process under this one, by part: the database, the functions host,
 * its workers, PostgREST, and this process (the load generator, autocannon or fixed-rate.ts on a
 * thread of its own, shares it with the gateway). Exited processes stay counted through their
 * parent's cutime/cstime, so a difference of two readings covers workers that retired in between.
 */
export function cpuByPart(): Record<string, number> {
  const msPerTick = 1000 / 100; // USER_HZ
  const procs = new Map<number, { ppid: number; own: number; children: number; part: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const part = cmdline.includes('function-worker.ts')
        ? 'function workers'
        : cmdline.includes('functions-host.ts')
        ? 'functions host'
        : /postgres/.test(cmdline.split('\0')[0] ?? '') || cmdline.startsWith('postgres:')
        ? 'postgres'
        : cmdline.includes('postgrest')
        ? 'postgrest'
        : 'other';
      procs.set(Number(entry), {
        ppid: Number(fields[1]),
        own: (Number(fields[11]) + Number(fields[12])) * msPerTick,
        children: (Number(fields[13]) + Number(fields[14])) * msPerTick,
        part,
      });
    } catch {
      continue; // gone while reading
    }
  }
  const isOurs = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; hops++) {
      if (p === process.pid) return true;
      p = procs.get(p)?.ppid ?? 0;
    }
    return false;
  };
  const out: Record<string, number> = {};
  for (const [pid, proc] of procs) {
    if (!isOurs(pid)) continue;
    const part = pid === process.pid ? 'bench process (load generator + gateway)' : proc.part;
    out[part] = (out[part] ?? 0) + proc.own;
    // The host's only children are its workers: those that exited are counted there. This process's
    // own exited children (psql, the bench's direct track server) are not a part of the stack.
    if (pid === process.pid) continue;
    const childrenPart = proc.part === 'functions host' ? 'function workers' : part;
    out[childrenPart] = (out[childrenPart] ?? 0) + proc.children;
  }
  return out;
}

/** The CPU each part spent per request between two readings, e.g. "postgres 0.38, function workers 0.43". */
export function cpuPerRequest(before: Record<string, number>, after: Record<string, number>, requests: number): string {
  const parts = Object.keys(after).filter((part) => part !== 'other').sort();
  const per = (part: string) => (after[part] - (before[part] ?? 0)) / Math.max(requests, 1);
  const total = parts.reduce((sum, part) => sum + per(part), 0);
  return `${parts.map((part) => `${part} ${per(part).toFixed(2)}`).join(', ')}; total ${total.toFixed(2)}`;
}

/** The whole machine's CPU counters (/proc/stat, first line), to tell how busy it was between two readings. */
export function machineCpu(): { busy: number; steal: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** "busy 91 % of 2 cores, steal 3 %": how loaded the machine was between two machineCpu() readings. */
export function machineLoad(before: ReturnType<typeof machineCpu>, after: ReturnType<typeof machineCpu>): string {
  const total = Math.max(after.total - before.total, 1);
  const pct = (n: number) => `${Math.round((100 * n) / total)} %`;
  return `busy ${pct(after.busy - before.busy)} of ${cpus().length} cores, steal ${pct(after.steal - before.steal)}`;
}
