// `kubemu why` as a user runs it: the real binary on a one-shot cluster, its text and JSON, its
// exit codes (0 nothing wrong, 3 stuck, 1 when the object cannot be read) and kubectl's error lines.
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')

describe('kubemu why (CLI)', () => {
  it('explains, prints JSON, and fails as kubectl does for what it cannot read', async () => {
    const env = {...process.env, KUBEMU_HOME: temporaryFolder(), NO_COLOR: '1'}
    const run = (line: string) => runShell(`./bin/kubemu ${line}`, {cwd: root, env})
    expect((await run('kubectl create deployment web --image=nginx --replicas=2')).status).toBe(0)
    expect((await run('kubectl create service clusterip typo --tcp=80:80')).status).toBe(0)

    const web = await run('why deploy/web')
    expect(web.status).toBe(0)
    expect(web.stdout).toMatch(/^deployment\.apps\/web in namespace default: Available\n\nNothing is wrong: deployment\.apps\/web has all 2 replicas updated and available\.\n\nFacts:\n  - replicas: 2 desired, 2 updated, 2 ready, 2 available\n/)

    // `create service clusterip typo` selects app=typo, which no pod carries.
    const typo = await run('why service typo -o json')
    expect(typo.status).toBe(3)
    const parsed = JSON.parse(typo.stdout) as {object: string; namespace: string; state: string; stuck: boolean; cause: string; facts: string[]}
    expect(parsed).toMatchObject({object: 'service/typo', namespace: 'default', state: 'NoEndpoints', stuck: true})
    expect(parsed.cause).toContain('its selector app=typo matches no pod in namespace default')

    const missing = await run('why pod/nope')
    expect(missing).toMatchObject({status: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n'})
    const unknownType = await run('why flurbs/x')
    expect(unknownType).toMatchObject({status: 1, stdout: '', stderr: 'error: the server doesn\'t have a resource type "flurbs"\n'})
    const noName = await run('why deployment')
    expect(noName.status).toBe(1)
    expect(noName.stderr).toBe('error: you must specify one object as TYPE/NAME or TYPE NAME (for example pod/web or deployment web)\n')
  }, 120_000)
})
