// A label or field selector the API server refuses: kube-apiserver's 400 in its parser's words
// (`unable to parse requirement: …`, sent as a raw query), and kubectl's resource builder naming
// the list it could not make, for every verb that lists, beside the real kubectl 1.32. Names
// beside a selector are the builder's error before any request, in its two wordings; the set
// verbs edit what a selection lists.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

describe('selectors the API server refuses', () => {
  let cluster: ReferenceCluster
  beforeAll(async () => {
    cluster = await referenceCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  it('get --raw with a bad labelSelector gets kube-apiserver\'s 400 text', async () => {
    const line = "get --raw '/api/v1/namespaces/default/pods?labelSelector=a+in+(b'"
    const expected = {stdout: '', stderr: "Error from server (BadRequest): unable to parse requirement: found '', expected: ',' or ')'\n", status: 1}
    expect(await cluster.real(line)).toEqual(expected)
    expect(await cluster.ours(line)).toEqual(expected)
  })

  for (const line of [
    "get --raw '/api/v1/pods?labelSelector=!'",
    "get --raw '/apis/apps/v1/deployments?labelSelector=a%3Db%3Dc'",
    "get pods -l 'a in (b'",
    "get pods,deploy -l 'a in (b' -o name",
    'get deploy --field-selector=foo=bar',
    "get pods --field-selector='a'",
    "describe pods -l 'a in (b'",
    "delete pods -l 'a in (b'",
    "label pods -l 'a in (b' x=y",
    "wait pods -l 'a in (b' --for=delete --timeout=1s",
  ]) {
    it(line, async () => {
      const answered = await cluster.real(line)
      const real = {...answered, stderr: answered.stderr.split('\n').filter((row) => !row.includes('memcache.go')).join('\n')}
      expect(real.status).toBe(1)
      expect({line, ...(await cluster.ours(line))}).toEqual({line, ...real})
    })
  }

  // `TYPE NAME` beside a selector, and `TYPE/NAME` or several types with names (the builder's resource tuples).
  for (const line of [
    'get deploy web -l app=web',
    'get deploy/web -l app=web',
    'get deploy,rs web -l app=web',
    'get pods x --field-selector=metadata.name=x',
    'describe deploy web -l app=web',
    'describe deploy,rs web -l app=web',
    'delete deploy/web -l app=web',
    'delete deploy,rs web -l app=web',
    'wait deploy/web -l app=web --for=delete',
    'rollout status deploy web -l app=web',
    'scale deploy web -l app=web --replicas=1',
    'set image deploy web nginx=nginx -l app=web',
    'set env deploy/web A=b -l app=web',
    // --all selects as a selector does.
    'delete pod web --all',
    'delete pod/web --all',
  ]) {
    it(`refuses names beside a selection: ${line}`, async () => {
      const real = await cluster.real(line)
      expect(real.status).toBe(1)
      expect(real.stderr).toMatch(/^error: (name cannot be provided when a selector is specified|selectors and the all flag cannot be used when passing resource\/name arguments)\n$/)
      expect({line, ...(await cluster.ours(line))}).toEqual({line, ...real})
    })
  }

  for (const line of ['get deploy deploy/web', 'get deploy/web deploy', 'wait deploy deploy/web -l app=web --for=delete', 'delete deploy deploy/web -l app=web', 'describe deploy deploy/web -l app=web', 'rollout status deploy deploy/web']) {
    it(`refuses TYPE beside TYPE/NAME before anything else: ${line}`, async () => {
      const real = await cluster.real(line)
      expect(real.status).toBe(1)
      expect(real.stderr).toMatch(/^error: there is no need to specify a resource type as a separate argument/)
      // The example names the program as it was called.
      expect({line, ...(await cluster.ours(line))}).toEqual({line, ...real, stderr: real.stderr.replace(/'\S*kubectl[.\d]* /g, "'kubectl ")})
    })
  }

  for (const line of ['set image deploy --all -l app=web nginx=nginx:2', 'set resources deploy --all -l app=web --limits=cpu=1', 'label pods --all -l app=web x=y']) {
    it(`refuses --all beside a selector: ${line}`, async () => {
      const real = await cluster.real(line)
      expect(real).toMatchObject({status: 1, stderr: 'error: cannot set --all and --selector at the same time\n'})
      expect({line, ...(await cluster.ours(line))}).toEqual({line, ...real})
    })
  }

  it('edits with the set verbs what -l or --all selects, from the list (no GET of each)', async () => {
    for (const tool of ['real', 'ours']) {
      expect((await cluster.ours(`create namespace set-${tool}`)).status).toBe(0)
      for (const name of ['a', 'b']) expect((await cluster.ours(`create deployment ${name} --image=nginx -n set-${tool}`)).status).toBe(0)
    }
    for (const line of ['set image deploy nginx=nginx:1.26 --all -v=6', 'set env deploy A=c -l app=a -v=6', 'set resources deploy --limits=cpu=200m --all -o name -v=6']) {
      const view = (result: {stdout: string; stderr: string; status: number | null}, tool: string) => ({
        stdout: result.stdout,
        status: result.status,
        requests: result.stderr.split('\n').filter((row) => row.includes('round_trippers.go:560') && !/\/(api|apis)\?/.test(row)).map((row) => row.replace(/^.*\] /, '').replace(/ in \d+ milliseconds/, '').replaceAll(`set-${tool}`, 'NS')),
      })
      const real = view(await cluster.real(`${line} -n set-real`), 'real')
      expect(real.requests.some((row) => row.startsWith('PATCH'))).toBe(true)
      expect({line, ...view(await cluster.ours(`${line} -n set-ours`), 'ours')}).toEqual({line, ...real})
    }
  })
})
