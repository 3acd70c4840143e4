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

// A machine whose environment names extra CA certificates (NODE_EXTRA_CA_CERTS, set for a proxy
// to the package registries) makes every Node process parse that bundle as it starts: 60–90 ms of
// CPU, a third of a quick `kubemu kubectl` command, in each of the suite's thousands of commands.
// Nothing the tests start reaches the network, and the variable changes nothing a command does
// here (kubemu's clients pass their cluster's CA themselves), so the commands start without it.
delete process.env.NODE_EXTRA_CA_CERTS

afterAll(() => {
  rmSync(home, {recursive: true, force: true})
})
