// Records etcd 3.4's v3 HTTP gateway: every case of cases.json runs against a fresh real
// single-member etcd 3.4; the answers (normalized: see test/support/gateway-transcript.ts) go to
// recorded.json, which test/etcd/gateway.test.ts replays against kubemu's gateway.
// Usage: npx vite-node test/golden/etcd-gateway/record.ts
import {readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {type GatewayStep, runGatewaySteps} from '../../support/gateway-transcript.js'
import {RealEtcdMember} from '../../support/real-etcd.js'

const here = dirname(fileURLToPath(import.meta.url))
const cases = JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8')) as Array<{case: string; steps: GatewayStep[]}>
const recorded = []
for (const definition of cases) {
  const etcd = await RealEtcdMember.start()
  try {
    recorded.push({case: definition.case, steps: await runGatewaySteps(etcd.url, definition.steps)})
    console.log(`recorded ${definition.case} (${definition.steps.length} steps)`)
  } finally {
    await etcd.stop()
  }
}
writeFileSync(join(here, 'recorded.json'), `${JSON.stringify(recorded, null, 1)}\n`)
