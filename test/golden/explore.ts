// Runs shell lines (one per line of the file given) against a fresh real etcd 3.4 and prints
// what each printed: for finding out how the real etcdctl behaves before writing a case.
// Usage: npx vite-node test/golden/explore.ts lines.txt
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {RealEtcdCluster} from '../support/real-etcd.js'

const lines = readFileSync(process.argv[2]!, 'utf8').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))
const etcd = await RealEtcdCluster.start()
const work = mkdtempSync(join(tmpdir(), 'kubemu-explore-'))
try {
  for (const line of lines) {
    const result = spawnSync('bash', ['-c', line], {cwd: work, env: {...process.env, ETCDCTL_API: '3'}, encoding: 'utf8'})
    console.log(`$ ${line}\n${result.stdout}${result.stderr ? `[stderr]\n${result.stderr}` : ''}[exit ${result.status}]\n`)
  }
} finally {
  await etcd.stop()
  rmSync(work, {recursive: true, force: true})
}
