// vitest's global setup: the suite's temporary folders (KUBEMU_HOME, the members' SQLite files,
// real etcd's data, kubectl's HOME) go to a folder of the machine's memory-backed file system
// (tmpfs at /dev/shm) when it has one with room. On a disk, every write a test makes goes
// through fsync three times over (one per etcd member): measured on the development machine,
// creating a cluster took 2.2–3.6 s on ext4 and 1.7–1.9 s on tmpfs, 400 creates 2.0–3.0 s
// against 1.3–1.5 s, and a fifth of the CPU went with the disk's kernel work. What the tests check
// is the same on both: a SIGKILLed process loses nothing either way (its writes are in the
// page cache), and only a power cut, which no test makes, tells the two apart.
//
// The workers inherit TMPDIR (node's tmpdir()), and so does every process they start.
// KUBEMU_TESTS_TMPDIR names another folder (a disk, to run the suite as a user's machine writes).
// An interrupted run (Ctrl-C: vitest exits without its teardown) leaves its folder in memory; the
// next run removes the folders whose run is gone (each holds its runner's pid).
import {tmpdir} from 'node:os'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {processAlive} from '../../src/core/util/process-alive.js'

const memoryFolder = '/dev/shm'
const runFolderPrefix = 'kubemu-tests-'
const runnerPidFile = 'runner.pid'
/** statfs's f_type of tmpfs. */
const tmpfsMagic = 0x01021994
/** Free room the suite's folders need at most at once (a few clusters per worker). */
const memoryFolderFreeBytesMin = 2 * 1024 ** 3

function memoryBacked(): boolean {
  try {
    const stats = statfsSync(memoryFolder)
    return stats.type === tmpfsMagic && stats.bavail * stats.bsize >= memoryFolderFreeBytesMin
  } catch {
    return false
  }
}


/** Removes the folders of earlier runs whose runner is gone (a run without a pid file is left alone: it may be starting). */
function removeAbandonedRuns(): void {
  for (const name of readdirSync(memoryFolder).filter((entry) => entry.startsWith(runFolderPrefix))) {
    const folder = join(memoryFolder, name)
    let pid: number
    try {
      pid = Number(readFileSync(join(folder, runnerPidFile), 'utf8'))
    } catch {
      continue
    }
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) rmSync(folder, {recursive: true, force: true, maxRetries: 3})
  }
}

/** The machine's temporary folder before a run moves TMPDIR: what runs side by side shares it (real-etcd.ts's ports lock). */
export const machineTmpdirVariable = 'KUBEMU_TESTS_MACHINE_TMPDIR'

export default function setup(): () => void {
  process.env[machineTmpdirVariable] ??= tmpdir()
  const chosen = process.env.KUBEMU_TESTS_TMPDIR
  if (chosen) {
    // Absolute, and made: the commands run in folders of their own, and mkdtemp needs it to exist.
    process.env.TMPDIR = resolve(chosen)
    mkdirSync(process.env.TMPDIR, {recursive: true})
    return () => {}
  }
  if (!memoryBacked()) return () => {}
  removeAbandonedRuns()
  const root = mkdtempSync(join(memoryFolder, runFolderPrefix))
  writeFileSync(join(root, runnerPidFile), String(process.pid))
  process.env.TMPDIR = root
  return () => {
    // A process a test left behind may still be writing (an up's code cache at its exit): retried, and never a failure of the run.
    try {
      rmSync(root, {recursive: true, force: true, maxRetries: 3})
    } catch (error) {
      process.stderr.write(`kubemu tests: could not remove ${root}: ${(error as Error).message}\n`)
    }
  }
}
