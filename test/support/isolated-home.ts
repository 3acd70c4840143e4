// Each test file runs with a HOME of its own (vitest's setup file). kubectl, the real one and
// kubemu's, keeps its discovery cache under ~/.kube/cache/discovery/HOST_PORT for six hours: a
// cluster on a port an earlier run's cluster had would be answered from that run's cache (a CI run
// saw the real kubectl complete resource types from before CertificateSigningRequests were served).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll} from 'vitest'

const home = mkdtempSync(join(tmpdir(), 'kubemu-test-home-'))
process.env.HOME = home

afterAll(() => {
  rmSync(home, {recursive: true, force: true})
})
