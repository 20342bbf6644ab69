// Preloaded into a benchmarked CLI process (`node --import`): writes the process's own CPU time
// and peak RSS to BENCH_CPU_FILE at exit, so a report can tell CPU from waiting on a loaded machine.
import {writeFileSync} from 'node:fs'

process.on('exit', () => {
  const cpu = process.cpuUsage()
  if (process.env.BENCH_CPU_FILE) writeFileSync(process.env.BENCH_CPU_FILE, JSON.stringify({cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024}))
})
