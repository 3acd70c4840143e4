// kubectl -v=6…9 beside the real kubectl 1.32, through `up` and one-shot: the same lines in the
// same order for a request (-v=9's curl command, the dial of a new connection, the status line,
// HTTP statistics, response headers and bodies), and the discovery cache as kubectl keeps it
// (a cold cache logs discovery's requests, a warm one only the command's own; --cache-dir and
// HOME decide where). Masked: times, process ids, durations, ports, the Date and User-Agent
// values; Go prints headers in its maps' random order, so a block of headers (and a curl
// command's -H arguments) is compared as a sorted list.
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl} from '../support/real-kubectl.js'


/** A -v log as it must read the same: klog's header, ports, times and agent masked, header blocks sorted. */
export function comparableLog(stderr: string): string[] {
  const lines = stderr
    .split('\n')
    .filter((line) => line.length > 0 && !/loader\.go|envvar\.go/.test(line))
    .map((line) =>
      line
        .replace(/^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /, '$1 ')
        .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
        .replace(/in \d+ milliseconds/g, 'in N milliseconds')
        .replace(/\d+ ms\b/g, 'N ms')
        .replace(/(Date: ).*/, '$1DATE')
        .replace(/(User-Agent: )[^"]*/g, '$1AGENT')
        .replace(/(resourceVersion\\+":\\+")\d+/g, '$1RV')
        .replace(/(body=".{0,200}).*/, '$1…'),
    )
    .map((line) => {
      const curl = /^(.*curl -v -X\S+ )(.*?) ('[^']*')$/.exec(line)
      if (!curl) return line
      const headers = curl[2]!.match(/-H "(?:[^"\\]|\\.)*"/g) ?? []
      return `${curl[1]}${[...headers].sort().join(' ')} ${curl[3]}`
    })
  // Runs of header lines (request or response), each sorted.
  const sorted: string[] = []
  for (let index = 0; index < lines.length; ) {
    const header = /^I round_trippers\.go:(480|587)\] {4}/.exec(lines[index]!)
    if (!header) {
      sorted.push(lines[index++]!)
      continue
    }
    const run: string[] = []
    while (index < lines.length && lines[index]!.startsWith(header[0])) run.push(lines[index++]!)
    sorted.push(...run.sort())
  }
  return sorted
}

/** The paths a -v=6 log asks for. */
const requestedPaths = (stderr: string) => [...stderr.matchAll(/round_trippers\.go:560\] GET (\S+)/g)].map((match) => new URL(match[1]!).pathname)

describe.runIf(existsSync(realKubectl))('kubectl -v request logs and discovery beside the real kubectl', () => {
  const processes = upProcessesOfSuite()
  let home: string
  let oneShotHome: string
  let kubeconfig: string
  const user = {home: '', env: {} as NodeJS.ProcessEnv}
  const run = (command: string, env: NodeJS.ProcessEnv) => runShell(command, {cwd: home, env})
  const real = (line: string, env = user.env) => run(`${realKubectl} --kubeconfig=${kubeconfig} ${line}`, env)
  const ours = (line: string, env = user.env) => run(`${kubemu} kubectl ${line}`, env)
  const oursOneShot = (line: string, env = user.env) => run(`${kubemu} kubectl ${line}`, {...env, KUBEMU_HOME: oneShotHome})

  beforeAll(async () => {
    home = temporaryFolder()
    oneShotHome = temporaryFolder()
    kubeconfig = join(home, 'default', 'kubeconfig')
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leader election: \S+ leads/)
    user.home = temporaryFolder()
    user.env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', HOME: user.home}
    // Warm caches for the comparisons of one request.
    for (const line of ['create configmap logged --from-literal=a=1', 'get ns']) {
      expect((await ours(line)).status).toBe(0)
      expect((await oursOneShot(line)).status).toBe(0)
    }
    expect((await real('get ns')).status).toBe(0)
  }, 120_000)
  afterAll(async () => {
    for (const up of processes) await up.stop()
  })

  for (const line of ['get cm logged -o name -v=9', 'get cm -v=9', 'get cm logged -o name -v=8', 'get cm logged -o name -v=7', 'get cm missing -v=9', 'get ns default -v=6', `patch cm logged -p '{"data":{"b":"c"}}' -v=9`, 'get cm missing -n kube-system -v=6']) {
    it(`logs what the real kubectl logs for: kubectl ${line} (through up and one-shot)`, async () => {
      const theirs = await real(line)
      const [throughUp, oneShot] = [await ours(line), await oursOneShot(line)]
      expect(theirs.stderr).toMatch(/round_trippers/)
      const expected = comparableLog(theirs.stderr)
      expect(comparableLog(throughUp.stderr)).toEqual(expected)
      // One-shot the response body of the patch has the other cluster's uid and times: compared up to it.
      const withoutBodies = (lines: string[]) => lines.map((entry) => entry.replace(/"Response Body" body=.*/, '"Response Body" body=…'))
      expect(withoutBodies(comparableLog(oneShot.stderr))).toEqual(withoutBodies(expected))
    }, 60_000)
  }

  it('discovers with a cold cache as the real kubectl does, then logs only its own request', async () => {
    const [realHome, ourHome, oneShotUserHome] = [temporaryFolder(), temporaryFolder(), temporaryFolder()]
    const theirs = await real('get ns default -v=6', {...user.env, HOME: realHome})
    const mine = await ours('get ns default -v=6', {...user.env, HOME: ourHome})
    const mineOneShot = await oursOneShot('get ns default -v=6', {...user.env, HOME: oneShotUserHome})
    // The real kubectl asks for the group-versions in parallel: compared in order of path.
    const sorted = (paths: string[]) => [...paths].sort()
    expect(requestedPaths(theirs.stderr).slice(0, 2)).toEqual(['/api', '/apis'])
    expect(requestedPaths(mine.stderr).slice(0, 2)).toEqual(['/api', '/apis'])
    expect(sorted(requestedPaths(mine.stderr))).toEqual(sorted(requestedPaths(theirs.stderr)))
    expect(sorted(requestedPaths(mineOneShot.stderr))).toEqual(sorted(requestedPaths(theirs.stderr)))
    // Asked as client-go asks: the aggregated documents first, with discovery's 32 s timeout.
    const apiLines = (stderr: string) => comparableLog(stderr).filter((line) => line.includes("'https://127.0.0.1:PORT/api?timeout=32s'"))
    const [realV9, ourV9] = [await real('get ns default -v=9', {...user.env, HOME: temporaryFolder()}), await ours('get ns default -v=9', {...user.env, HOME: temporaryFolder()})]
    expect(apiLines(ourV9.stderr)).toEqual(apiLines(realV9.stderr))
    expect(apiLines(ourV9.stderr)).toHaveLength(1)
    for (const [stderr, env] of [[theirs.stderr, {...user.env, HOME: realHome}], [mine.stderr, {...user.env, HOME: ourHome}]] as const) {
      expect(requestedPaths(stderr)).toContain('/api/v1/namespaces/default')
      const again = await ours('get ns default -v=6', env)
      expect(requestedPaths(again.stderr)).toEqual(['/api/v1/namespaces/default'])
    }
    const again = await oursOneShot('get ns default -v=6', {...user.env, HOME: oneShotUserHome})
    expect(requestedPaths(again.stderr)).toEqual(['/api/v1/namespaces/default'])
  }, 120_000)

  it('keeps the cache under --cache-dir where given, as kubectl does', async () => {
    const cacheHome = temporaryFolder()
    const [realCache, ourCache] = [join(cacheHome, 'real'), join(cacheHome, 'ours')]
    mkdirSync(realCache)
    mkdirSync(ourCache)
    expect((await real(`get ns --cache-dir=${realCache}`)).status).toBe(0)
    expect((await ours(`get ns --cache-dir=${ourCache}`)).status).toBe(0)
    const port = /:(\d+)$/.exec(readFileSync(kubeconfig, 'utf8').match(/server: (\S+)/)![1]!)![1]!
    for (const cache of [realCache, ourCache]) expect(existsSync(join(cache, 'discovery', `127.0.0.1_${port}`, 'servergroups.json'))).toBe(true)
    expect(existsSync(join(user.home, '.kube', 'cache', 'discovery', `127.0.0.1_${port}`, 'apps', 'v1', 'serverresources.json'))).toBe(true)
    // Ours then reads the real kubectl's cache there without discovering.
    expect(requestedPaths((await ours(`get ns -v=6 --cache-dir=${realCache}`)).stderr)).toEqual(['/api/v1/namespaces'])
  }, 60_000)

  it('one-shot, trusts a cache folder only with its own cluster\'s discovery (every one-shot cluster has the same URL)', async () => {
    const otherCluster = temporaryFolder()
    const env = {...user.env, HOME: temporaryFolder()}
    expect((await oursOneShot('get ns -v=6', env)).status).toBe(0)
    expect(requestedPaths((await oursOneShot('get ns -v=6', env)).stderr)).toEqual(['/api/v1/namespaces'])
    const other = await run(`${kubemu} kubectl get ns -v=6`, {...env, KUBEMU_HOME: otherCluster})
    expect(requestedPaths(other.stderr).slice(0, 2)).toEqual(['/api', '/apis'])
    expect(requestedPaths((await oursOneShot('get ns -v=6', env)).stderr).slice(0, 2)).toEqual(['/api', '/apis'])
  }, 60_000)
})
