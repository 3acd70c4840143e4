// Durations and times as kubectl 1.32's flags read them: Go's ParseDuration with its own words for
// each fault (a missing unit, an unknown unit), checked by pflag before the command runs for every
// duration flag (--timeout of apply, delete, drain, replace, rollout status; --pod-running-timeout;
// proxy's --keepalive); `logs --since-time` read as Go's time.Parse reads RFC 3339, its ParseError
// naming the element that did not parse, the field out of range or the text left over.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

describe.runIf(existsSync(realKubectl))('durations and times as the real kubectl reads them', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    'logs nope --since=1x',
    'logs nope --since=1',
    'logs nope --since=x',
    'logs nope --since=1h1',
    'logs nope --since=1e3s',
    'logs nope --since=.s',
    'rollout status deploy/nope --timeout=5',
    'delete pod nope --timeout=5',
    'drain nope --timeout=1q',
    'apply -f nothere.yaml --timeout=5',
    'replace -f nothere.yaml --timeout=5',
    'exec nope --pod-running-timeout=1q -- ls',
    'port-forward pod/nope 80 --pod-running-timeout=1',
    'proxy --keepalive=1',
    'logs nope --since-time=bad',
    'logs nope --since-time=2020',
    'logs nope --since-time=2020/01/01',
    'logs nope --since-time=2020-13-01T00:00:00Z',
    'logs nope --since-time=2020-02-30T00:00:00Z',
    'logs nope --since-time=2020-01-01',
    'logs nope --since-time=2020-01-01T00:00:00',
    'logs nope --since-time=2020-01-01T00:00:00Zx',
    'logs nope --since-time=2020-01-01T25:00:00Z',
    'logs nope --since-time=2020-01-01T1:00:00Z',
    'logs nope --since-time=2020-01-01T00:00:00+1:00',
    'logs nope --since-time=2020-01-01T00:00:00.5+01:00',
  ]) {
    it(`fails as the real kubectl: kubectl ${line}`, async () => {
      const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)]
      expect({line, ...ours}).toEqual({line, ...theirs})
    }, 30_000)
  }
})
