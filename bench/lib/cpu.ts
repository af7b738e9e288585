import fs from 'node:fs'

/**
 * CPU time spent by the machine and by PostgreSQL over an interval, from /proc (Linux): where a
 * saturated run's CPU goes, so a throughput ratio comes with the cost per request on each side.
 * Clock ticks are USER_HZ, 100 per second on every Linux this runs on (`getconf CLK_TCK`).
 * Other processes on the machine count in the machine's total: the bench rows carry the load.
 */
const TICK_MS = 10

/** Busy CPU time of the whole machine in ms (user, nice, system, irq, softirq, steal). */
function machineBusyMs(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f
  return (user + nice + system + irq + softirq + steal) * TICK_MS
}

/** CPU time (user + system) of every live `postgres` process by pid, in ms. */
function postgresMs(): Map<number, number> {
  const out = new Map<number, number>()
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    let stat: string
    try {
      stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    const close = stat.lastIndexOf(')')
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue
    const f = stat.slice(close + 2).split(' ')
    out.set(Number(d), (Number(f[11]) + Number(f[12])) * TICK_MS) // fields 14 and 15: utime, stime
  }
  return out
}

export interface CpuSplit {
  /** Busy CPU of the machine, ms. */
  machineMs: number
  /** CPU of the PostgreSQL processes alive at the end (a backend that exited meanwhile is lost). */
  postgresMs: number
}

/** Start measuring; the returned function gives the CPU spent since. */
export function cpuSince(): () => CpuSplit {
  const m0 = machineBusyMs()
  const p0 = postgresMs()
  return () => {
    const m1 = machineBusyMs()
    let pg = 0
    for (const [pid, ms] of postgresMs()) pg += ms - (p0.get(pid) ?? 0)
    return { machineMs: m1 - m0, postgresMs: pg }
  }
}

export const onLinux = () => fs.existsSync('/proc/stat')
