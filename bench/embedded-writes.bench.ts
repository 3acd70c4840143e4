// The CPU an embedded 3-member cluster spends per write, as the API server writes pods (creates and
// updates as txns, one synced watch with previous values), without the API server or HTTP: the
// members' half of up's CPU per object in the kwok bench. BASELINE=OTHER/dist runs another build
// beside this one's dist/, taking turns, to compare two builds in one run (the machine's load moves
// every figure: compare the medians of the same run). Each run is a process of its own
// (support/embedded-writes-run.mjs).
// Run: npm run build && npx vite-node bench/embedded-writes.bench.ts (BENCH_WRITES=1500, BENCH_ROUNDS=5)
import {spawnSync} from 'node:child_process'
import {loadavg} from 'node:os'
import {join, resolve} from 'node:path'

const writes = Number(process.env.BENCH_WRITES ?? 1500)
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const builds = [
  ...(process.env.BASELINE ? [{name: 'baseline', dist: resolve(process.env.BASELINE)}] : []),
  {name: 'this build', dist: resolve(import.meta.dirname, '..', 'dist')},
]
const runner = join(import.meta.dirname, 'support', 'embedded-writes-run.mjs')
const loads = () => loadavg().map((load) => load.toFixed(2)).join(' ')

const figures = new Map(builds.map((build) => [build.name, [] as Array<{cpuMicrosecondsPerWrite: number; wallMicrosecondsPerWrite: number}>]))
for (let round = 1; round <= rounds; round++) {
  for (const build of builds) {
    const run = spawnSync(process.execPath, [runner, build.dist, String(writes)], {encoding: 'utf8'})
    if (run.status !== 0) throw new Error(`${build.name}: the run exited ${run.status}: ${run.stderr}`)
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!)
    figures.get(build.name)!.push(result)
    console.log(`round ${round}/${rounds} ${build.name}: ${result.cpuMicrosecondsPerWrite.toFixed(0)} µs of CPU and ${result.wallMicrosecondsPerWrite.toFixed(0)} µs of wall time per write (load average ${loads()})`)
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
for (const [name, results] of figures) {
  console.log(`${name}: median ${median(results.map((result) => result.cpuMicrosecondsPerWrite)).toFixed(0)} µs of CPU per write (${results.map((result) => result.cpuMicrosecondsPerWrite.toFixed(0)).join(', ')}), ${writes} writes per run`)
}
