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
import {mkdtempSync, rmSync, statfsSync} from 'node:fs'
import {join} from 'node:path'

const memoryFolder = '/dev/shm'
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

export default function setup(): () => void {
  const chosen = process.env.KUBEMU_TESTS_TMPDIR
  if (chosen) {
    process.env.TMPDIR = chosen
    return () => {}
  }
  if (!memoryBacked()) return () => {}
  const root = mkdtempSync(join(memoryFolder, 'kubemu-tests-'))
  process.env.TMPDIR = root
  return () => rmSync(root, {recursive: true, force: true})
}
